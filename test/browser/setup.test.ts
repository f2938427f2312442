// The merchant's setup page in real Chromium: open it, click "Test callback URL", see success.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { postSigned } from '../demo-shop/shop-server-api.ts';
import { LOCAL_ACCOUNT, LOCAL_SECRETS } from '../stack/local-values.ts';
import { ROOT } from '../stack/processes.ts';
import { startStack, type Stack } from '../stack/stack.ts';
import { chromiumPath, launchChromium } from './chromium.ts';

describe.skipIf(!chromiumPath)('setup page in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ settingsOnPage: true }), launchChromium()]);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('"Test callback URL" succeeds, and a screenshot is kept as a test artifact', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'merchant', password: LOCAL_SECRETS.ADMIN_PASSWORD },
      locale: 'pl-PL',
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${stack.workerUrl}/setup`);
    expect(await page.locator('#test-callbacks').count()).toBe(1);
    await page.click('#test-callbacks');
    await page.waitForSelector('#test-callbacks-result');
    expect(await page.getAttribute('#test-callbacks-result', 'data-ok')).toBe('true');
    mkdirSync(`${ROOT}test-results`, { recursive: true });
    await page.screenshot({ path: `${ROOT}test-results/setup-page.png`, fullPage: true });
    expect(violations).toEqual([]);
    await context.close();
  });

  it('the settings form: edit a tag switch, "Save and test", copy a callback URL; screenshot of the form', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'merchant', password: LOCAL_SECRETS.ADMIN_PASSWORD },
      locale: 'en-US',
      viewport: { width: 1100, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${stack.workerUrl}/setup?lang=en`);
    // Entered through the page by the local stack: stored, editable, never the secret itself.
    expect(await page.isDisabled('#f-SALESMANAGO_CLIENT_ID')).toBe(false);
    expect(await page.textContent('tr[data-name="SALESMANAGO_API_SECRET"] .secret-state')).toMatch(/^set, ends in …/);
    expect(await page.content()).not.toContain(LOCAL_ACCOUNT.apiSecret);
    // Seed step 7: switch the guest-purchase tags off.
    await page.click('#fold-tags > summary'); // the tags are in a folded section
    await page.uncheck('#f-TAGS_PURCHASE_GUEST-on');
    await page.click('#save-and-test');
    await page.waitForSelector('#settings-result');
    expect(await page.getAttribute('#settings-result', 'data-ok')).toBe('true');
    expect(await page.textContent('#settings-result')).toContain('Purchase by a guest');
    expect(await page.getAttribute('#test-connection-result', 'data-ok')).toBe('true');
    expect(await page.isChecked('#f-TAGS_PURCHASE_GUEST-on')).toBe(false);
    expect(await page.textContent('#last-changed')).toContain('Purchase by a guest');
    // Copy buttons work under the strict CSP (the nonce'd script).
    await page.click('button[data-copy="opt-in-url"]');
    await page.waitForSelector('button[data-copy="opt-in-url"][data-copied="true"]');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('/callbacks/opt-in?email=$email$&key=sha1($email$');
    mkdirSync(`${ROOT}test-results`, { recursive: true });
    await page.screenshot({ path: `${ROOT}test-results/setup-form.png`, fullPage: true });
    expect(violations).toEqual([]);
    await context.close();
  });

  it('an order placed while SALESmanago is not configured waits, then goes out as soon as the value is saved again', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'merchant', password: LOCAL_SECRETS.ADMIN_PASSWORD },
      locale: 'en-US',
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${stack.workerUrl}/setup?lang=en`);
    // The connection is all four values or none (one left empty is refused): disconnect it whole.
    for (const name of ['SALESMANAGO_ENDPOINT', 'SALESMANAGO_CLIENT_ID', 'SALESMANAGO_OWNER']) await page.fill(`#f-${name}`, '');
    await page.check('input[name="SALESMANAGO_API_SECRET.clear"]');
    await page.click('#save-and-test');
    await page.waitForSelector('#settings-result');
    expect(await page.getAttribute('#test-connection-result', 'data-reason')).toBe('not-configured');

    const buyer = `waiting-${Date.now().toString(36)}@example.com`;
    const orderId = `W${Date.now().toString(36)}`;
    const order = await postSigned(stack.workerUrl, LOCAL_SECRETS.SHOP_API_SECRET, '/api/v1/events', {
      type: 'purchase',
      orderId,
      email: buyer,
      value: 10,
      currency: 'PLN',
      products: [{ id: 'kubek', quantity: 1, price: 10 }],
      occurredAt: new Date().toISOString(),
    });
    expect(order.status).toBe(202);
    // The consumer keeps it queued, with the reason, on the events page.
    const deadline = Date.now() + 30_000;
    let row = '';
    while (Date.now() < deadline) {
      await page.goto(`${stack.workerUrl}/setup/events?lang=en&email=${encodeURIComponent(buyer)}`);
      row =
        (await page
          .locator('#events-table tbody tr')
          .first()
          .textContent()
          .catch(() => null)) ?? '';
      if (row.includes('SALESmanago is not configured')) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(row).toContain('SALESmanago is not configured');

    await page.goto(`${stack.workerUrl}/setup?lang=en`);
    await page.fill('#f-SALESMANAGO_ENDPOINT', stack.simulatorUrl);
    await page.fill('#f-SALESMANAGO_CLIENT_ID', LOCAL_ACCOUNT.clientId);
    await page.fill('#f-SALESMANAGO_OWNER', LOCAL_ACCOUNT.owner);
    await page.fill('#f-SALESMANAGO_API_SECRET', LOCAL_ACCOUNT.apiSecret);
    await page.click('#save-and-test');
    await page.waitForSelector('#settings-result');
    expect(await page.getAttribute('#test-connection-result', 'data-ok')).toBe('true');
    expect(await page.textContent('#released')).toMatch(/^1 event that waited/);
    const until = Date.now() + 30_000;
    let delivered = false;
    while (!delivered && Date.now() < until) {
      delivered = stack.simulator.state().events.some((e) => e.email === buyer && e.contactExtEventType === 'PURCHASE');
      if (!delivered) await new Promise((r) => setTimeout(r, 200));
    }
    expect(delivered).toBe(true);
    await context.close();
  });
});
