// /setup, /setup/events and the contact view in real Chromium, in Polish, at 1280 px and 390 px
// (issue 26 item 2): after each action (Save, Save and test, Test connection, Test callback URL, a
// refused save) its result is in the viewport; no element overflows its card; at 390 px the page
// never scrolls sideways (tables scroll inside their cards); the folded sections remember their
// state. A screenshot after each action, at both widths, goes to test-results/.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { postSigned } from '../demo-shop/shop-server-api.ts';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { ROOT } from '../stack/processes.ts';
import { startStack, type Stack } from '../stack/stack.ts';
import { chromiumPath, launchChromium } from './chromium.ts';

const WIDTHS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
] as const;

/** Elements sticking out of their card (a section or a folded section), outside any scrolling box. */
function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    for (const card of Array.from(document.querySelectorAll('main section, main details.fold'))) {
      const box = card.getBoundingClientRect();
      if (box.width === 0) continue;
      for (const el of Array.from(card.querySelectorAll('*'))) {
        const scroller = el.parentElement?.closest('.scroll');
        if (scroller && card.contains(scroller)) continue; // inside a box that scrolls: that box is checked
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.right > box.right + 1 || r.left < box.left - 1) {
          bad.push(
            `${card.id || card.tagName} > ${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className} (${Math.round(r.left)}–${Math.round(r.right)} of ${Math.round(box.left)}–${Math.round(box.right)})`,
          );
        }
      }
    }
    return bad;
  });
}

/** Whether the page scrolls sideways. */
function sideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
}

/** The element's top is inside the viewport and it is visible. */
async function inView(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.top < window.innerHeight && r.bottom > 0;
  }, selector);
}

async function openFolds(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const d of Array.from(document.querySelectorAll('details.fold'))) (d as HTMLDetailsElement).open = true;
  });
}

describe.skipIf(!chromiumPath)('setup pages in Polish at 1280 px and 390 px', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ settingsOnPage: true }), launchChromium()]);
    mkdirSync(`${ROOT}test-results`, { recursive: true });
    // A few rows for the events list and the delivery figures.
    for (const [i, value] of [19.9, 42].entries()) {
      await postSigned(stack.workerUrl, LOCAL_SECRETS.SHOP_API_SECRET, '/api/v1/events', {
        type: 'purchase',
        orderId: `L${Date.now().toString(36)}${i}`,
        email: `uklad-${i}@example.com`,
        value,
        currency: 'PLN',
        products: [{ id: 'kubek-ceramiczny-z-bardzo-dluga-nazwa-produktu', quantity: 1, price: value }],
        occurredAt: new Date().toISOString(),
      });
    }
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  for (const viewport of WIDTHS) {
    it(`/setup at ${viewport.width} px: every action's result in view, nothing out of its card`, async () => {
      const context = await browser.newContext({
        httpCredentials: { username: 'merchant', password: LOCAL_SECRETS.ADMIN_PASSWORD },
        locale: 'pl-PL',
        viewport,
      });
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|error/i.test(m.text())) violations.push(m.text());
      });
      const shot = (name: string) => page.screenshot({ path: `${ROOT}test-results/setup-pl-${viewport.width}-${name}.png` });
      const act = async (selector: string) => {
        await Promise.all([page.waitForEvent('load'), page.click(selector)]);
      };

      await page.goto(`${stack.workerUrl}/setup?lang=pl`);
      expect(await page.getAttribute('html', 'lang')).toBe('pl');
      await shot('01-open');
      await openFolds(page);
      expect(await overflows(page)).toEqual([]);
      expect(await sideways(page)).toBe(false);
      await page.screenshot({ path: `${ROOT}test-results/setup-pl-${viewport.width}-full.png`, fullPage: true });

      // Save (the connection section's button): the result at the top, in view.
      await page.goto(`${stack.workerUrl}/setup?lang=pl`);
      await act('#connection button[value="save"]');
      expect(await page.getAttribute('#action-result', 'data-action')).toMatch(/^save/);
      expect(await page.getAttribute('#action-result', 'data-ok')).toBe('true');
      expect(await inView(page, '#action-result')).toBe(true);
      await shot('02-save');

      // Save and test.
      await act('#save-and-test');
      expect(await page.getAttribute('#action-result', 'data-action')).toBe('save-test');
      expect(await page.getAttribute('#action-result', 'data-ok')).toBe('true');
      expect(await inView(page, '#action-result')).toBe(true);
      expect(await page.textContent('#action-result')).toContain('Połączono');
      await shot('03-save-and-test');

      // Test connection.
      await act('#test-connection');
      expect(await page.getAttribute('#action-result', 'data-action')).toBe('test-connection');
      expect(await inView(page, '#action-result')).toBe(true);
      await shot('04-test-connection');

      // Test callback URL (section 4, below the fold at 390 px): its result at the top, linking to it.
      await act('#test-callbacks');
      expect(await page.getAttribute('#action-result', 'data-action')).toBe('test-callbacks');
      expect(await page.getAttribute('#action-result', 'data-ok')).toBe('true');
      expect(await inView(page, '#action-result')).toBe(true);
      expect(await page.getAttribute('#action-result a', 'href')).toBe('#test-callbacks-result');
      await shot('05-test-callbacks');
      // The banner's link brings the detailed result into view (the scroll may land a frame after the click).
      await page.click('#action-result a');
      await page
        .waitForFunction(() => (document.querySelector('#test-callbacks-result')?.getBoundingClientRect().top ?? -1) >= 0, null, { timeout: 5000 })
        .catch(() => undefined);
      expect(await inView(page, '#test-callbacks-result')).toBe(true);

      // A refused save (an emptied Client ID): named by its label at the top, no green "Gotowe!", badge red.
      await page.goto(`${stack.workerUrl}/setup?lang=pl`);
      await page.fill('#f-SALESMANAGO_CLIENT_ID', '');
      await act('#save-and-test');
      expect(await page.getAttribute('#action-result', 'data-action')).toBe('refused');
      expect(await inView(page, '#action-result')).toBe(true);
      expect(await page.textContent('#action-result')).toContain('Unikatowy identyfikator aplikacji (Client ID)');
      expect(await page.locator('.banner.ok').count()).toBe(0);
      expect(await page.locator('#connection h2 .badge.bad').count()).toBe(1);
      expect(await page.locator('#test-connection-result').count()).toBe(0);
      await shot('06-refused');
      await openFolds(page);
      expect(await overflows(page)).toEqual([]);
      expect(await sideways(page)).toBe(false);

      expect(violations).toEqual([]);
      await context.close();
    });

    it(`/setup/events and the contact view at ${viewport.width} px: no sideways scroll, tables inside their cards`, async () => {
      const context = await browser.newContext({
        httpCredentials: { username: 'merchant', password: LOCAL_SECRETS.ADMIN_PASSWORD },
        locale: 'pl-PL',
        viewport,
      });
      const page = await context.newPage();
      await page.goto(`${stack.workerUrl}/setup/events?lang=pl`);
      expect(await page.locator('#events-table tbody tr').count()).toBeGreaterThan(0);
      expect(await page.textContent('#events-table')).toContain('zakup');
      expect(await overflows(page)).toEqual([]);
      expect(await sideways(page)).toBe(false);
      await page.screenshot({ path: `${ROOT}test-results/setup-pl-${viewport.width}-events.png`, fullPage: true });
      await page.goto(`${stack.workerUrl}/setup/contact?lang=pl&email=uklad-0%40example.com`);
      expect(await overflows(page)).toEqual([]);
      expect(await sideways(page)).toBe(false);
      await page.screenshot({ path: `${ROOT}test-results/setup-pl-${viewport.width}-contact.png`, fullPage: true });
      await context.close();
    });
  }

  it('the folded sections remember being opened and closed', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'merchant', password: LOCAL_SECRETS.ADMIN_PASSWORD },
      locale: 'pl-PL',
      viewport: WIDTHS[0],
    });
    const page = await context.newPage();
    await page.goto(`${stack.workerUrl}/setup?lang=pl`);
    expect(await page.getAttribute('#fold-tags', 'open')).toBeNull();
    await page.click('#fold-tags > summary');
    await page.reload();
    expect(await page.getAttribute('#fold-tags', 'open')).not.toBeNull();
    await page.click('#fold-tags > summary');
    await page.reload();
    expect(await page.getAttribute('#fold-tags', 'open')).toBeNull();
    // A link into a closed section opens it.
    await page.goto(`${stack.workerUrl}/setup?lang=pl#snippet`);
    expect(await page.getAttribute('#fold-snippet', 'open')).not.toBeNull();
    await context.close();
  });
});
