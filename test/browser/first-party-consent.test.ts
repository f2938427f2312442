// Real Chromium: first-party mode (the snippet from the shop's own origin under PUBLIC_PATH_PREFIX,
// through a reverse proxy as in docs/theme.md "First-party mode") and one journey per consent tool mode of
// s.cmp.js (Google Consent Mode v2, IAB TCF v2.2): nothing sent before consent, sent after, dropped
// on refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, type Stack } from '../stack/stack.ts';
import { chromiumPath, launchChromium } from './chromium.ts';
import { simulatorEventsUntil, watchCollector } from './collector-traffic.ts';
import { startFirstPartyShop, type FirstPartyShop } from './first-party-shop.ts';

const PREFIX = '/_e';

describe.skipIf(!chromiumPath)('first-party mode and consent tools in Chromium', () => {
  let stack: Stack;
  let shop: FirstPartyShop;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ vars: { PUBLIC_PATH_PREFIX: PREFIX } }), launchChromium()]);
    shop = await startFirstPartyShop({ workerUrl: stack.workerUrl, prefix: PREFIX });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await stack?.stop();
  });

  async function open(origin: string) {
    const context = await browser.newContext();
    contexts.push(context);
    const traffic = watchCollector(context, origin);
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = await context.newPage();
    return { context, page, traffic, requests };
  }

  const storedKeys = (page: Page) => page.evaluate(() => Object.keys(localStorage));

  it("first-party: the snippet from the shop's own origin under the prefix delivers its events, and nothing goes to another origin", async () => {
    const { page, requests } = await open(shop.url);
    // Same-origin: the browser needs no CORS answer for these.
    const beacons: { url: string; status: number }[] = [];
    page.on('response', (r) => {
      if (r.request().method() === 'POST') beacons.push({ url: r.url(), status: r.status() });
    });
    const email = `first-party-${Date.now()}@shop.localhost`;
    await page.goto(`${shop.url}/first-party?email=${encodeURIComponent(email)}`);
    await simulatorEventsUntil(stack.simulatorUrl, (events) => events.some((e) => e.email === email && e.contactExtEventType === 'OTHER'));
    expect(beacons.length).toBeGreaterThan(0);
    expect(beacons.every((b) => b.url === `${shop.url}${PREFIX}/e` && b.status === 202)).toBe(true);
    expect(requests.every((u) => u.startsWith(shop.url))).toBe(true);
    expect(requests).toContain(`${shop.url}${PREFIX}/s.js`);
  });

  it('data-consent="required": consent given on one page is remembered on the next, until withdrawn', async () => {
    const { page, traffic } = await open(stack.workerUrl);
    // Pages seen by the collector (a retried beacon carries the same event again: the collector dedupes it by id).
    const seen = () => [...new Set(traffic.eventsOfType('visit').map((v) => new URL(String(v.u)).search))];
    await page.goto(`${stack.shopUrl}/zgoda`);
    await page.click('#accept');
    await traffic.until(() => seen().length === 1);
    expect(await page.evaluate(() => localStorage.getItem('sm_c'))).toBe('sm_c');
    await page.goto(`${stack.shopUrl}/zgoda?next`);
    await traffic.until(() => seen().length === 2);
    await page.click('#reject');
    expect(await page.evaluate(() => localStorage.getItem('sm_c'))).toBeNull();
    await page.goto(`${stack.shopUrl}/zgoda?after`);
    await page.waitForTimeout(2000);
    expect(seen()).toEqual(['', '?next']);
  });

  for (const mode of ['gcm', 'tcf'] as const) {
    it(`${mode}: nothing is sent before the consent tool grants, everything after`, async () => {
      const { page, traffic } = await open(stack.workerUrl);
      const email = `${mode}-ok-${Date.now()}@shop.localhost`;
      await page.goto(`${shop.url}/${mode}?email=${encodeURIComponent(email)}`);
      // The tracker has taken over the queued calls (so the silence is its own, not a missing script).
      await page.waitForFunction(() => !(window as any).smEdge.q);
      await page.waitForTimeout(2000);
      expect(traffic.beacons).toHaveLength(0);
      expect(await storedKeys(page)).toEqual([]);
      await page.click('#accept');
      await traffic.until(() => traffic.eventsOfType('newsletter').length === 1 && traffic.eventsOfType('visit').length === 1);
      await simulatorEventsUntil(stack.simulatorUrl, (events) => events.some((e) => e.email === email && e.contactExtEventType === 'OTHER'));
      expect(await storedKeys(page)).toContain('sm_v');
    });

    it(`${mode}: a refusal drops what was held, and nothing is sent or stored after`, async () => {
      const { page, traffic, context } = await open(stack.workerUrl);
      const email = `${mode}-no-${Date.now()}@shop.localhost`;
      await page.goto(`${shop.url}/${mode}?email=${encodeURIComponent(email)}`);
      await page.waitForFunction(() => !(window as any).smEdge.q);
      await page.waitForTimeout(1000);
      await page.click('#reject');
      await page.evaluate(() => (window as any).smEdge('survey', { email: 'x@shop.localhost' }));
      await page.evaluate(() => history.pushState({}, '', '?step=2'));
      await page.waitForTimeout(1500);
      expect(await storedKeys(page)).toEqual([]);
      await page.goto('about:blank'); // leaving the page: the pagehide flush must send nothing either
      expect(traffic.beacons).toHaveLength(0);
      expect((await context.cookies()).map((c) => c.name)).toEqual([]);
    });
  }
});
