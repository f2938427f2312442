// The demo shop as a newcomer uses it, in real Chromium against the local stack: add to the cart,
// see the cart, check out, and the PURCHASE reaches the SALESmanago simulator. Then the merchant finds
// that event on /setup/events and the buyer on /setup/contact (screenshots of both pages).
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumPath, launchChromium } from '../browser/chromium.ts';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { ROOT } from '../stack/processes.ts';
import { startStack, type Stack } from '../stack/stack.ts';
import { startDemoShop } from './server.ts';

async function until<T>(what: string, get: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!chromiumPath)('demo shop in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a purchase: the cart page shows the cart, checkout is accepted, PURCHASE reaches SALESmanago; events and contact pages find it', async () => {
    const buyer = `demo-${Date.now().toString(36)}@example.com`;
    const context = await browser.newContext({ locale: 'pl-PL', viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.shopUrl}/`);
    await page.click('button[data-add]');
    // "Do koszyka" answers at once, in the page's words and with the cart's total.
    expect(await page.isVisible('#added')).toBe(true);
    expect(await page.textContent('#added')).toMatch(/^Dodano do koszyka: .+\. W koszyku: 1 szt\., \d+,\d\d zł\.$/);
    await page.goto(`${stack.shopUrl}/koszyk`);
    // The cart page's own script ran after demoCart existed: the table lists the product.
    const firstRow = await page.textContent('#cart tbody tr');
    expect(firstRow).not.toContain('Koszyk jest pusty');
    expect(JSON.parse((await page.inputValue('#cart-field')) || '[]')).toHaveLength(1);
    // One price format, and a total.
    expect(await page.textContent('#cart tbody tr td:nth-child(3)')).toMatch(/^\d+,\d\d zł$/);
    expect(await page.textContent('#cart-total')).toBe(await page.textContent('#cart tbody tr td:nth-child(3)'));
    await page.fill('#checkout input[name=email]', buyer);
    await Promise.all([page.waitForNavigation(), page.click('#checkout button')]);
    expect(await page.textContent('h1')).toBe('Dziękujemy!');
    // A confirmation page, not the API's JSON.
    expect(await page.getAttribute('#order-status', 'data-status')).toBe('queued');
    expect(await page.textContent('#order')).toContain(buyer);
    expect(await page.textContent('main')).not.toContain('{"');
    expect(errors).toEqual([]);
    const purchase = await until('PURCHASE at the simulator', () =>
      stack.simulator.state().events.find((e) => e.email === buyer && e.contactExtEventType === 'PURCHASE'),
    );
    expect(purchase.value).toBeTruthy();
    await context.close();

    // The merchant: the events page and the contact view, behind the admin password.
    const admin = await browser.newContext({
      httpCredentials: { username: 'merchant', password: LOCAL_SECRETS.ADMIN_PASSWORD },
      locale: 'en-US',
      viewport: { width: 1100, height: 900 },
    });
    const setup = await admin.newPage();
    const violations: string[] = [];
    setup.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await setup.goto(`${stack.workerUrl}/setup/events?lang=en`);
    await setup.selectOption('#events-filter select[name=type]', 'purchase');
    await Promise.all([setup.waitForNavigation(), setup.click('#events-filter button')]);
    expect(await setup.getAttribute('#events-table tbody tr', 'data-status')).toBe('delivered');
    expect(await setup.textContent('#events-table tbody tr')).toContain(buyer);
    expect(await setup.locator('#hourly-chart rect[data-status="delivered"]').count()).toBeGreaterThan(0);
    mkdirSync(`${ROOT}test-results`, { recursive: true });
    await setup.goto(`${stack.workerUrl}/setup/events?lang=en`);
    await setup.screenshot({ path: `${ROOT}test-results/setup-events.png`, fullPage: true });
    // Contact view, reached from the event's contact link.
    await setup.goto(`${stack.workerUrl}/setup/events?lang=pl&type=purchase`);
    await Promise.all([setup.waitForNavigation(), setup.click(`#events-table a[href*="contact"]`)]);
    expect(await setup.inputValue('#contact-email')).toBe(buyer);
    expect(await setup.textContent('#contact-id')).not.toContain('jeszcze nieznane');
    expect(await setup.locator('#events-table tr[data-type="purchase"]').count()).toBe(1);
    await setup.screenshot({ path: `${ROOT}test-results/setup-contact.png`, fullPage: true });
    expect(violations).toEqual([]);
    await admin.close();
  });
});

describe('demo order ids', () => {
  it("are unique across restarts and never the README examples' 1001-1003", async () => {
    const orderIds: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        orderIds.push((JSON.parse(body) as { orderId: string }).orderId);
        res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"id":"x","status":"queued"}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    try {
      for (let run = 0; run < 2; run++) {
        const shop = await startDemoShop({ port: 0, collectorUrl });
        const cart = JSON.stringify([{ id: 'kubek', name: 'Kubek', quantity: 1, price: 10 }]);
        const res = await fetch(`${shop.url}/zamowienie`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email: 'a@example.com', cart }).toString(),
        });
        expect(res.status).toBe(200);
        await shop.close();
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      collector.close();
    }
    expect(orderIds).toHaveLength(2);
    expect(new Set(orderIds).size).toBe(2);
    for (const id of orderIds) expect(['1001', '1002', '1003']).not.toContain(id);
  });

  it('lists the consent page in the menu of every page', async () => {
    const shop = await startDemoShop({ port: 0, collectorUrl: 'http://127.0.0.1:9' });
    try {
      for (const path of ['/', '/koszyk', '/kontakt']) expect(await (await fetch(`${shop.url}${path}`)).text()).toContain('<a href="/zgoda">');
    } finally {
      await shop.close();
    }
  });

  it('an empty cart is refused by the shop itself, never posted as an order', async () => {
    const shop = await startDemoShop({ port: 0, collectorUrl: 'http://127.0.0.1:9' });
    try {
      const res = await fetch(`${shop.url}/zamowienie`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: 'a@example.com', cart: '[]' }).toString(),
      });
      expect(res.status).toBe(400);
      const html = await res.text();
      // Styled as an error, not as the green notice.
      expect(html).toMatch(/<p class="error" id="order-error" role="alert">Koszyk jest pusty/);
    } finally {
      await shop.close();
    }
  });
});

describe.skipIf(!chromiumPath)('the demo shop rebuilds a recovered cart (npm start sets CART_RECOVERY_URL to it)', () => {
  it('a cart-rebuild URL built from the npm start template fills the cart page in Chromium', async () => {
    const { cartRebuildUrl, cartTemplateProblem } = await import('../../worker/shop/cart-url.ts');
    const { demoRecoveryVars } = await import('../stack/stack.ts');
    const shop = await startDemoShop({ port: 0, collectorUrl: 'http://127.0.0.1:9' });
    const browser = await launchChromium();
    try {
      const { CART_RECOVERY_URL: template } = demoRecoveryVars('http://localhost:1', shop.url);
      expect(cartTemplateProblem(template)).toBeNull();
      const url = cartRebuildUrl(template!, [
        { id: 'KUB-001', quantity: 2 },
        { id: 'NOT-THERE', quantity: 1 },
        { id: 'HER-002', quantity: 1 },
      ]);
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForSelector('#cart tbody tr td:nth-child(2)');
      const rows = await page.$$eval('#cart tbody tr', (trs) =>
        trs.map((tr) =>
          Array.from(tr.querySelectorAll('td'))
            .slice(0, 2)
            .map((td) => td.textContent),
        ),
      );
      expect(rows).toEqual([
        ['Kubek ceramiczny', '2'],
        ['Herbata liściasta', '1'],
      ]);
      expect(new URL(page.url()).search).toBe('');
    } finally {
      await browser.close();
      await shop.close();
    }
  }, 60_000);
});
