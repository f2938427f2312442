// The setup page's "Shop platform" section: URL, topics, secret state and the last delivery received.
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { Env } from '../env.ts';
import { app } from '../index.ts';
import { sendShopify, sendWoo, wooOrder } from '../test/platform-fixtures.ts';
import { resetPulls } from '../test/pull-fixtures.ts';

const env: Env = workerEnv;
const ORIGIN = 'http://sm-edge.test';

async function setupPage(bindings: Env = env, lang = 'en'): Promise<string> {
  const res = await app.request(`${ORIGIN}/setup?lang=${lang}`, { headers: { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` } }, bindings);
  expect(res.status).toBe(200);
  return res.text();
}

function section(html: string, id: string): string {
  const start = html.indexOf(`<div id="${id}">`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</div>', start));
}

describe('setup page: Shop platform', () => {
  it("shows each platform's webhook URL, topics, secret state and last delivery", async () => {
    await sendWoo('order.updated', wooOrder({ status: 'processing' }));
    await sendShopify('orders/paid', { id: 1 }, { secret: 'wrong' });
    const html = await setupPage();
    const woo = section(html, 'platform-woocommerce');
    expect(woo).toContain(`${ORIGIN}/hooks/woocommerce`);
    expect(woo).toContain('<code>order.updated</code>');
    expect(woo).toContain('<code>customer.created</code>');
    expect(woo).toMatch(/WOOCOMMERCE_WEBHOOK_SECRET<\/code><\/dt><dd class="secret-state"><span class="badge ok">set/);
    expect(woo).toMatch(/<code>order\.updated<\/code> <span class="badge ok">accepted \(200\)/);
    const shopify = section(html, 'platform-shopify');
    expect(shopify).toContain(`${ORIGIN}/hooks/shopify`);
    expect(shopify).toContain('<code>refunds/create</code>');
    expect(shopify).toMatch(/badge bad">refused \(401\)<\/span> X-Shopify-Hmac-Sha256 does not match/);
  });

  it('says when a secret is not set, in Polish too', async () => {
    const html = await setupPage({ ...env, SHOPIFY_WEBHOOK_SECRET: '' }, 'pl');
    expect(html).toContain('Platforma sklepu');
    expect(section(html, 'platform-shopify')).toMatch(/SHOPIFY_WEBHOOK_SECRET<\/code><\/dt><dd class="secret-state"><span class="badge off">nieustawiony/);
  });
});

describe('setup page: reconciliation', () => {
  const woo: Env = {
    ...env,
    WOOCOMMERCE_URL: 'http://woo.example.com',
    WOOCOMMERCE_CONSUMER_KEY: 'ck_setup_key',
    WOOCOMMERCE_CONSUMER_SECRET: 'cs_setup_secret',
  };
  const auth = { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` };

  it('names the missing settings while the pull is off', async () => {
    const html = await setupPage();
    expect(section(html, 'platform-shopify')).toMatch(/class="reconciliation"><span class="muted">off: SHOPIFY_ADMIN_TOKEN and SHOPIFY_SHOP_DOMAIN not set/);
  });

  it('the button runs a pull after the answer; the page then shows the last pull, found and missing, never the key', async () => {
    await resetPulls(env);
    const missed = wooOrder({ status: 'processing', date_paid_gmt: '2026-11-20T13:04:00' });
    const original = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.startsWith('http://woo.example.com/')) return original(input, init);
      return Response.json(new URL(url).pathname.endsWith('/orders') ? [missed] : []);
    });
    const before = section(await setupPage(woo), 'platform-woocommerce');
    expect(before).toContain('no pull yet');
    expect(before).toContain('action="/setup/reconcile?platform=woocommerce#platform-woocommerce"');
    const res = await app.request(
      `${ORIGIN}/setup/reconcile?platform=woocommerce`,
      {
        method: 'POST',
        headers: { ...auth, Origin: ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: '',
      },
      woo,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/setup?lang=en#platform-woocommerce');
    const after = await setupPage(woo);
    expect(section(after, 'platform-woocommerce')).toMatch(/last pull [\d-]+ [\d:]+ UTC: 1 found, 1 missing \(newly accepted\)/);
    expect(after).not.toContain('cs_setup_secret');
    vi.restoreAllMocks();
  });
});
