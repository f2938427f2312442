// The setup page's "Shop platform" section: URL, topics, secret state and the last delivery received.
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { app } from '../index.ts';
import { sendShopify, sendWoo, wooOrder } from '../test/platform-fixtures.ts';

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
  it('shows each platform\'s webhook URL, topics, secret state and last delivery', async () => {
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
