// The tracker in real Chromium against `wrangler dev` (worker, local queue and D1) and the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startStack, type Stack } from '../stack/stack.ts';
import { chromiumPath, launchChromium } from './chromium.ts';
import { simulatorEventsUntil, watchCollector } from './collector-traffic.ts';

describe.skipIf(!chromiumPath)('storefront tracker in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function open() {
    const context = await browser.newContext();
    contexts.push(context);
    const traffic = watchCollector(context, stack.workerUrl);
    const page = await context.newPage();
    return { context, page, traffic };
  }

  it('a page load delivers a Visit to the worker', async () => {
    const { page, traffic } = await open();
    await page.goto(`${stack.shopUrl}/`);
    await traffic.until(() => traffic.eventsOfType('visit').length === 1);
    const [visit] = traffic.eventsOfType('visit');
    expect(visit?.u).toBe(`${stack.shopUrl}/`);
    const response = await traffic.beacons[0]!.request.response();
    if (response) expect(response.status()).toBe(202);
  });

  it('SPA navigation sends one Visit per route, and the same URL twice is one Visit', async () => {
    const { page, traffic } = await open();
    await page.goto(`${stack.shopUrl}/`);
    await traffic.until(() => traffic.eventsOfType('visit').length === 1);
    await page.evaluate(() => {
      history.pushState({}, '', '/spa/a');
      history.pushState({}, '', '/spa/a');
      history.pushState({}, '', '/spa/b');
      history.replaceState({}, '', '/spa/c');
    });
    await traffic.until(() => traffic.eventsOfType('visit').length >= 4);
    await page.waitForTimeout(1500);
    const urls = traffic.eventsOfType('visit').map((v) => new URL(String(v.u)).pathname);
    expect(urls).toEqual(['/', '/spa/a', '/spa/b', '/spa/c']);
  });

  it('the cart page sends Cart, and smEdge("cart") sends its contents', async () => {
    const { page, traffic } = await open();
    await page.goto(`${stack.shopUrl}/produkt/KUB-001`);
    await page.click('#add');
    await traffic.until(() => traffic.eventsOfType('cart').some((e) => Array.isArray(e.products)));
    const withContents = traffic.eventsOfType('cart').find((e) => Array.isArray(e.products));
    expect(withContents).toMatchObject({ products: [{ id: 'KUB-001', quantity: 1 }], currency: 'PLN' });
    // The visit of the cart page goes with data-cart-path: the collector records it as a Cart too.
    await page.goto(`${stack.shopUrl}/koszyk`);
    const onCartPage = () =>
      traffic.beacons.find((b) => b.body.p === '/koszyk' && (b.body.e ?? []).some((e) => e.k === 'visit' && String(e.u).endsWith('/koszyk')));
    await traffic.until(() => Boolean(onCartPage()));
    // (worker/routes/ingest.test.ts checks the Cart the collector records for it.)
    const response = await onCartPage()!.request.response();
    if (response) expect(response.status()).toBe(202);
  });

  it('login with a shop-minted token identifies the visitor, and SALESmanago gets the Login', async () => {
    const { page, context, traffic } = await open();
    const email = `login-${Date.now()}@shop.localhost`;
    await page.goto(`${stack.shopUrl}/logowanie`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'whatever');
    await page.click('#login button');
    await traffic.until(() => traffic.eventsOfType('login').length === 1);
    expect(String(traffic.eventsOfType('login')[0]!.token)).toMatch(/^[\w-]+\.\d+\.[0-9a-f]{64}$/);
    await simulatorEventsUntil(stack.simulatorUrl, (events) => events.some((e) => e.email === email && e.contactExtEventType === 'LOGIN'));
    // The next answer carries the contactId, and the tracker sets SALESmanago's smclient cookie.
    const deadline = Date.now() + 20_000;
    let smclient: string | undefined;
    while (!smclient && Date.now() < deadline) {
      await page.goto(`${stack.shopUrl}/kontakt`);
      await page.waitForTimeout(1500);
      smclient = (await context.cookies(stack.shopUrl)).find((c) => c.name === 'smclient')?.value;
    }
    expect(smclient).toMatch(/\S{8,}/);
  });

  it('a form submission that navigates away at once still delivers its event', async () => {
    const { page } = await open();
    const email = `newsletter-${Date.now()}@shop.localhost`;
    await page.goto(`${stack.shopUrl}/`);
    await page.fill('#newsletter input[name=email]', email);
    await Promise.all([page.waitForURL('**/dziekujemy**'), page.click('#newsletter button')]);
    const events = await simulatorEventsUntil(stack.simulatorUrl, (all) => all.some((e) => e.email === email && e.contactExtEventType === 'OTHER'));
    expect(events.filter((e) => e.email === email && e.contactExtEventType === 'OTHER')).toHaveLength(1);
  });

  it('with the collector down for one page and back on the next, the held event arrives exactly once', async () => {
    const { page, context, traffic } = await open();
    const email = `outage-${Date.now()}@shop.localhost`;
    await context.route(`${stack.workerUrl}/e`, (route) => route.abort('connectionrefused'));
    await page.goto(`${stack.shopUrl}/kontakt`);
    await page.fill('#survey input[name=email]', email);
    await Promise.all([page.waitForURL('**/dziekujemy**'), page.click('#survey button')]);
    await page.waitForTimeout(1000);
    // The send failed, so the survey waits in the outbox (tracker/src/outbox.ts keeps only what failed).
    // Read here rather than counting the browser's requests: whether Chromium reports a beacon it sent
    // while leaving the page, and the route refused, varies from run to run.
    const [, ...waiting] = JSON.parse(await page.evaluate(() => localStorage.getItem('sm_o') ?? '[0]')) as [number, ...{ k?: string }[]];
    expect(waiting.some((e) => e.k === 'survey')).toBe(true);
    await context.unroute(`${stack.workerUrl}/e`);
    // The outbox retries on a later page once its backoff is due: keep browsing until it is.
    const pages = ['/', '/produkt/HER-002', '/produkt/KUB-001', '/koszyk'];
    const deadline = Date.now() + 30_000;
    let delivered = false;
    for (let i = 0; !delivered && Date.now() < deadline; i++) {
      await page.goto(`${stack.shopUrl}${pages[i % pages.length]}`);
      await page.waitForTimeout(1000);
      const state = (await (await fetch(`${stack.simulatorUrl}/__sim/state`)).json()) as { events: { email?: string; contactExtEventType: string }[] };
      delivered = state.events.some((e) => e.email === email && e.contactExtEventType === 'SURVEY');
    }
    const events = await simulatorEventsUntil(stack.simulatorUrl, (all) => all.some((e) => e.email === email && e.contactExtEventType === 'SURVEY'));
    // More browsing after delivery must not send it again.
    await page.goto(`${stack.shopUrl}/`);
    await page.waitForTimeout(3000);
    const final = await simulatorEventsUntil(stack.simulatorUrl, () => true);
    expect(final.filter((e) => e.email === email && e.contactExtEventType === 'SURVEY')).toHaveLength(1);
    expect(events.length).toBeGreaterThan(0);
    // Sent again from the outbox once the collector was back (the failed send above), and counted once.
    expect(traffic.eventsOfType('survey').length).toBeGreaterThanOrEqual(1);
  });

  it('with consent required, nothing leaves the browser and nothing is stored before consent', async () => {
    const { page, context, traffic } = await open();
    await page.goto(`${stack.shopUrl}/zgoda`);
    await page.evaluate(() => history.pushState({}, '', '/zgoda?step=2'));
    await page.waitForTimeout(2500);
    expect(traffic.beacons).toHaveLength(0);
    // Only the script itself was fetched from the collector.
    expect(traffic.anyRequests.filter((r) => !r.endsWith('/s.js'))).toEqual([]);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k !== 'demo-cart'))).toEqual([]);
    expect((await context.cookies()).map((c) => c.name)).toEqual([]);

    await page.click('#accept');
    await traffic.until(() => traffic.eventsOfType('visit').length >= 1);
    expect(traffic.beacons.length).toBeGreaterThan(0);
  });
});
