// Real Chromium, s.full.js on a product page: SALESmanago's sm.js is not requested before consent and is
// after, in every consent mode (none, required, gcm, tcf), with _smid, and _smclientid and the smclient
// cookie of the contact the collector named; the page's Visit carries the Product of the JSON-LD the
// theme prints at the end of the body. Nothing reaches the internet: every request is answered by a
// playwright route (the shop page, the collector's /s.full.js, /e and /m.js, and sm.js). /m.js is the
// worker's own text (worker/shop/monitoring.ts); the worker's route is worker/routes/monitoring.test.ts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { monitoringScript } from '../../worker/shop/monitoring.ts';
import { chromiumPath, launchChromium } from './chromium.ts';

const SHOP = 'https://shop.test';
const COLLECTOR = 'https://collector.test';
const ENDPOINT = 'https://app3.salesmanago.test';
const SM_JS = `${ENDPOINT}/static/sm.js`;
const CONTACT = 'c0ffee00-1234';

const head = {
  none: '',
  required: '',
  gcm: `<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}
gtag('consent','default',{ad_storage:'denied',analytics_storage:'denied',ad_user_data:'denied'});</script>`,
  // A CMP stub: the test plays the CMP, calling back the tracker's listener.
  tcf: `<script>window.__tcfapi=function(c,v,cb){if(c==='addEventListener')window.tcfListener=cb}</script>`,
} as const;
type Mode = keyof typeof head;

const productPage = (mode: Mode) => `<!doctype html><html><head><title>Kubek</title>
<script>window.smEdge=window.smEdge||function(){(smEdge.q=smEdge.q||[]).push(arguments)}</script>
${head[mode]}
<script async src="${COLLECTOR}/s.full.js" data-sm-monitoring data-allow-automation${mode === 'none' ? '' : ` data-consent="${mode}"`}></script>
</head><body><h1>Kubek</h1>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Kubek","sku":"KUB-1","offers":{"@type":"Offer","price":"39.90","priceCurrency":"PLN"}}</script>
</body></html>`;

describe.skipIf(!chromiumPath)('monitoring code and product views of s.full.js in Chromium', () => {
  let browser: Browser;
  let tracker: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    try {
      tracker = readFileSync(new URL('../../dist/s.full.js', import.meta.url), 'utf8');
    } catch {
      throw new Error('dist/s.full.js is missing: run `npm run build` first');
    }
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
  });

  async function open(mode: Mode) {
    const context = await browser.newContext();
    contexts.push(context);
    const log: string[] = [];
    const beacons: any[] = [];
    await context.route('**/*', async (route) => {
      const req = route.request();
      const url = req.url();
      log.push(url);
      const js = (body: string) => route.fulfill({ status: 200, contentType: 'text/javascript', body });
      if (url === `${SHOP}/p/kubek`) return route.fulfill({ status: 200, contentType: 'text/html', body: productPage(mode) });
      if (url === `${COLLECTOR}/s.full.js`) return js(tracker);
      if (url === `${COLLECTOR}/m.js`) return js(monitoringScript({ endpoint: ENDPOINT, clientId: 'abc123' }));
      if (url === SM_JS) return js('window.smRan = {smid: window._smid, client: window._smclientid, cookie: document.cookie, queue: typeof sm};');
      if (url === `${COLLECTOR}/e` && req.method() === 'POST') {
        beacons.push(JSON.parse(req.postData() ?? '{}'));
        return route.fulfill({
          status: 202,
          contentType: 'application/json',
          headers: { 'Access-Control-Allow-Origin': SHOP },
          body: JSON.stringify({ accepted: 1, rejected: [], contactId: CONTACT }),
        });
      }
      return route.fulfill({ status: 404, body: '' });
    });
    const page = await context.newPage();
    await page.goto(`${SHOP}/p/kubek`);
    return { page, log, beacons };
  }

  /** sm.js ran, with what it found on the page. */
  const smRan = (page: Page) => page.waitForFunction(() => (window as any).smRan, null, { timeout: 10_000 }).then((h) => h.jsonValue());

  const notBeforeConsent = async (page: Page, log: string[], beacons: unknown[]) => {
    await page.waitForTimeout(2_000);
    expect(log).toContain(`${COLLECTOR}/s.full.js`);
    expect(log).not.toContain(`${COLLECTOR}/m.js`);
    expect(log).not.toContain(SM_JS);
    expect(beacons).toEqual([]);
  };

  it('without data-consent: the Visit (with the JSON-LD product) first, then sm.js, which finds _smid, _smclientid and smclient', async () => {
    const { page, log, beacons } = await open('none');
    const ran: any = await smRan(page);
    expect(beacons[0].e[0]).toMatchObject({ k: 'visit', products: [{ id: 'KUB-1', name: 'Kubek', price: '39.90' }] });
    expect(beacons.flatMap((b) => b.e)).toHaveLength(1);
    expect(log.indexOf(`${COLLECTOR}/e`)).toBeLessThan(log.indexOf(SM_JS));
    expect(ran).toEqual({ smid: 'abc123', client: CONTACT, cookie: expect.stringContaining(`smclient=${CONTACT}`), queue: 'function' });
    expect(log.filter((u) => u === SM_JS)).toHaveLength(1);
  });

  it('data-consent="required": nothing before smEdge("consent", true), sm.js after', async () => {
    const { page, log, beacons } = await open('required');
    await notBeforeConsent(page, log, beacons);
    await page.evaluate(() => (window as any).smEdge('consent', true));
    expect(await smRan(page)).toMatchObject({ smid: 'abc123', client: CONTACT });
  });

  it('data-consent="gcm": nothing while Consent Mode is denied, sm.js once granted', async () => {
    const { page, log, beacons } = await open('gcm');
    await notBeforeConsent(page, log, beacons);
    await page.evaluate(() => (window as any).gtag('consent', 'update', { ad_storage: 'granted', analytics_storage: 'granted', ad_user_data: 'granted' }));
    expect(await smRan(page)).toMatchObject({ smid: 'abc123' });
  });

  it('data-consent="tcf": nothing before the CMP has a decision, sm.js once purposes 1, 3 and 4 are consented', async () => {
    const { page, log, beacons } = await open('tcf');
    await page.waitForFunction(() => (window as any).tcfListener);
    await page.evaluate(() => (window as any).tcfListener({ eventStatus: 'cmpuishown', gdprApplies: true }, true));
    await notBeforeConsent(page, log, beacons);
    await page.evaluate(() =>
      (window as any).tcfListener({ eventStatus: 'useractioncomplete', gdprApplies: true, purpose: { consents: { 1: true, 3: true, 4: true } } }, true),
    );
    expect(await smRan(page)).toMatchObject({ smid: 'abc123' });
  });

  it('a refusal (Consent Mode denied on update) never loads it', async () => {
    const { page, log, beacons } = await open('gcm');
    await page.evaluate(() => (window as any).gtag('consent', 'update', { ad_storage: 'denied', analytics_storage: 'denied', ad_user_data: 'denied' }));
    await notBeforeConsent(page, log, beacons);
  });
});
