// Reconciliation pulls in workerd, against a fetch double of each platform's API: what the webhooks
// missed is delivered exactly once, what they delivered is a duplicate; pages, cursors, the run's
// bound, rate limits, and credentials that never show.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { pullState } from '../ledger/platform-pulls.ts';
import { itemsOf, type AcceptedEvent, type QueueMessage } from '../queue/messages.ts';
import {
  env,
  postHook,
  sendShopify,
  sendWoo,
  shopifyCustomer,
  shopifyOrder,
  shopifyRefund,
  SHOPIFY_DOMAIN,
  wooCustomer,
  wooOrder,
} from '../test/platform-fixtures.ts';
import { apiDouble, resetPulls } from '../test/pull-fixtures.ts';
import { deliveryById, lastDelivery } from './deliveries.ts';
import { signatureReport } from './signature-state.ts';
import { FIRST_PULL_LOOKBACK_MS, PAGE_SIZE, reconcile } from './reconcile.ts';
import { bucketWait, nextLink } from './shopify-api.ts';
import { signedGet } from './woocommerce-api.ts';

const WOO = {
  WOOCOMMERCE_URL: 'http://shop.example.com',
  WOOCOMMERCE_CONSUMER_KEY: 'ck_test_key_0123456789',
  WOOCOMMERCE_CONSUMER_SECRET: 'cs_test_secret_9876543210',
};
const SHOPIFY = { SHOPIFY_ADMIN_TOKEN: 'shpat_test_token_abcdef' };
const wooEnv: Env = { ...env, ...WOO };
const shopifyEnv: Env = { ...env, ...SHOPIFY };
const NOW = Date.parse('2026-11-20T14:00:00Z');

beforeEach(async () => {
  await resetPulls(env);
});
afterEach(() => {
  vi.restoreAllMocks();
});

function queuedEvents(): () => AcceptedEvent[] {
  const spy = vi.spyOn(env.EVENTS, 'sendBatch');
  return () =>
    spy.mock.calls.flatMap(([batch]) => [...batch].flatMap((m) => itemsOf(m.body as QueueMessage))).flatMap((i) => (i.kind === 'event' ? [i.event] : []));
}

const paid = (over: Record<string, unknown> = {}) => wooOrder({ status: 'processing', date_paid_gmt: '2026-11-20T13:04:00', ...over });

describe('WooCommerce pull', () => {
  it('delivers a missed order once, answers a delivered one as a duplicate, and a second pull adds nothing', async () => {
    const delivered = paid();
    expect((await sendWoo('order.created', delivered)).body.status).toBe('accepted');
    const missed = paid({ date_modified_gmt: '2026-11-20T13:06:00' });
    const customer = wooCustomer({ date_created_gmt: '2026-11-20T13:02:00' });
    const api = apiDouble((url) => (url.pathname.endsWith('/orders') ? [delivered, missed] : url.pathname.endsWith('/customers') ? [customer] : []));
    const events = queuedEvents();
    const config = readConfig(wooEnv);

    const first = await reconcile(wooEnv, config, 'woocommerce', { now: NOW, fetcher: api.fetcher });
    expect(first).toMatchObject({ status: 'done', found: 3, missing: 1, pages: 2 });
    expect(events().map((e) => `${e.type}:${e.order?.orderId}`)).toEqual([`purchase:${missed.id}`]);
    expect(await deliveryById(env.LEDGER, 'woocommerce', `pull:order:${missed.id}:${missed.date_modified_gmt}`)).toMatchObject({ outcome: 'accepted' });

    const again = await reconcile(wooEnv, config, 'woocommerce', { now: NOW + 3_600_000, fetcher: api.fetcher });
    expect(again).toMatchObject({ status: 'done', missing: 0, contacts: 0 });
    expect(events()).toHaveLength(1);

    // The first window reached back FIRST_PULL_LOOKBACK_MS; the second starts where the first ended.
    const orderCalls = api.calls.filter((c) => c.url.pathname === '/wp-json/wc/v3/orders');
    expect(orderCalls[0]!.url.searchParams.get('modified_after')).toBe(new Date(NOW - FIRST_PULL_LOOKBACK_MS - 1000).toISOString().slice(0, 19));
    expect(orderCalls[1]!.url.searchParams.get('modified_after')).toBe(new Date(NOW - 1000).toISOString().slice(0, 19));
    expect(await pullState(env.LEDGER, 'woocommerce')).toMatchObject({
      pulledUntil: NOW + 3_600_000,
      lastSuccessAt: NOW + 3_600_000,
      lastFound: 2,
      lastMissing: 0,
      cursor: null,
      runningSince: null,
    });
  });

  it("pulled items are not what the shop sent: /setup's last delivery and signature state still show the webhook", async () => {
    const delivered = paid();
    await sendWoo('order.created', delivered);
    const missed = paid();
    const api = apiDouble((url) => (url.pathname.endsWith('/orders') ? [missed] : []));
    // The pull after the webhook.
    expect(await reconcile(wooEnv, readConfig(wooEnv), 'woocommerce', { now: Date.now() + 60_000, fetcher: api.fetcher })).toMatchObject({ missing: 1 });
    expect((await lastDelivery(env.LEDGER, 'woocommerce'))?.topic).toBe('order.created');
    expect((await lastDelivery(env.LEDGER, 'woocommerce'))?.deliveryId).not.toMatch(/^pull:/);
    expect((await signatureReport(env.LEDGER, 'woocommerce')).lastSigned?.deliveryId).not.toMatch(/^pull:/);
  });

  it('signs each call with OAuth 1.0a over http (no secret in the URL) and with Basic over https', async () => {
    const api = apiDouble(() => []);
    await reconcile(wooEnv, readConfig(wooEnv), 'woocommerce', { now: NOW, fetcher: api.fetcher });
    const q = api.calls[0]!.url.searchParams;
    expect(q.get('oauth_consumer_key')).toBe(WOO.WOOCOMMERCE_CONSUMER_KEY);
    expect(q.get('oauth_signature_method')).toBe('HMAC-SHA256');
    expect(q.get('oauth_signature')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(api.calls[0]!.url.href).not.toContain(WOO.WOOCOMMERCE_CONSUMER_SECRET);

    // The signature of OAuth 1.0a §3.4 recomputed here independently: METHOD&url&sorted params, key "<secret>&".
    const { url } = await signedGet(
      { url: WOO.WOOCOMMERCE_URL, key: WOO.WOOCOMMERCE_CONSUMER_KEY, secret: WOO.WOOCOMMERCE_CONSUMER_SECRET },
      '/orders/7/refunds/9',
      { a: 'x y:z' },
      NOW,
    );
    const parsed = new URL(url);
    const given = parsed.searchParams.get('oauth_signature')!;
    parsed.searchParams.delete('oauth_signature');
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const params = [...parsed.searchParams]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${enc(k)}=${enc(v)}`)
      .join('&');
    const base = `GET&${enc(`${parsed.origin}${parsed.pathname}`)}&${enc(params)}`;
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(`${WOO.WOOCOMMERCE_CONSUMER_SECRET}&`),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    expect(given).toBe(btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(base))))));

    const https = await signedGet({ url: 'https://shop.example.com', key: 'ck_a', secret: 'cs_b' }, '/orders', { page: '1' });
    expect(https).toEqual({ url: 'https://shop.example.com/wp-json/wc/v3/orders?page=1', headers: { Authorization: `Basic ${btoa('ck_a:cs_b')}` } });
  });

  it('stops after its page budget and resumes from the cursor; pages within one second use the offset', async () => {
    // PAGE_SIZE + 5 orders, all modified in the same second: the second page is taken by offset.
    const orders = Array.from({ length: PAGE_SIZE + 5 }, () => paid({ date_modified_gmt: '2026-11-20T13:30:00' }));
    const api = apiDouble((url) => {
      if (!url.pathname.endsWith('/orders')) return [];
      const offset = Number(url.searchParams.get('offset'));
      return orders.slice(offset, offset + PAGE_SIZE);
    });
    const events = queuedEvents();
    const config = readConfig(wooEnv);
    const first = await reconcile(wooEnv, config, 'woocommerce', { now: NOW, fetcher: api.fetcher, maxPages: 1 });
    expect(first).toMatchObject({ status: 'partial', found: PAGE_SIZE, missing: PAGE_SIZE });
    expect(JSON.parse((await pullState(env.LEDGER, 'woocommerce'))!.cursor!)).toMatchObject({
      phase: 'orders',
      t: Date.parse('2026-11-20T13:30:00Z'),
      k: PAGE_SIZE,
    });
    const second = await reconcile(wooEnv, config, 'woocommerce', { now: NOW + 60_000, fetcher: api.fetcher, maxPages: 1 });
    expect(second).toMatchObject({ status: 'partial', found: 5, missing: 5 });
    expect(api.calls[1]!.url.searchParams.get('offset')).toBe(String(PAGE_SIZE));
    // The window of the first run is kept while it is resumed.
    expect(api.calls[1]!.url.searchParams.get('modified_before')).toBe(new Date(NOW).toISOString().slice(0, 19));
    const third = await reconcile(wooEnv, config, 'woocommerce', { now: NOW + 120_000, fetcher: api.fetcher, maxPages: 1 });
    expect(third).toMatchObject({ status: 'done', found: 0 });
    expect(new Set(events().map((e) => e.order?.orderId)).size).toBe(PAGE_SIZE + 5);
    expect(events()).toHaveLength(PAGE_SIZE + 5);
  });

  it('a refused key ends the run with a plain error, the cursor kept, no credential in the answer', async () => {
    const api = apiDouble(() => new Response('{"code":"woocommerce_rest_cannot_view"}', { status: 401 }));
    const run = await reconcile(wooEnv, readConfig(wooEnv), 'woocommerce', { now: NOW, fetcher: api.fetcher });
    expect(run).toMatchObject({ status: 'failed', found: 0 });
    expect(run.error).toMatch(/WooCommerce answered 401 for \/orders \(check WOOCOMMERCE_CONSUMER_KEY/);
    expect(JSON.stringify(run)).not.toContain(WOO.WOOCOMMERCE_CONSUMER_SECRET);
    expect(JSON.stringify(run)).not.toContain(WOO.WOOCOMMERCE_CONSUMER_KEY);
    expect(await pullState(env.LEDGER, 'woocommerce')).toMatchObject({ lastSuccessAt: null, runningSince: null, lastError: run.error });
  });

  it('an unreachable shop is named without the URL (over http it carries the consumer key)', async () => {
    const run = await reconcile(wooEnv, readConfig(wooEnv), 'woocommerce', {
      now: NOW,
      fetcher: async (input) => {
        throw new TypeError(`fetch failed: ${input}`);
      },
    });
    expect(run).toMatchObject({ status: 'failed', error: 'WooCommerce could not be reached for /orders (check WOOCOMMERCE_URL)' });
  });

  it('one run at a time: a second run within the lease is "busy"', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async () => {
      await gate;
      return Response.json([]);
    };
    const first = reconcile(wooEnv, readConfig(wooEnv), 'woocommerce', { now: NOW, fetcher: slow });
    await new Promise((r) => setTimeout(r, 50));
    const second = await reconcile(wooEnv, readConfig(wooEnv), 'woocommerce', { now: NOW + 1000, fetcher: slow });
    expect(second.status).toBe('busy');
    release();
    expect((await first).status).toBe('done');
  });
});

describe('WooCommerce refund lines', () => {
  it("with the REST key, a partial refund's RETURN carries only the refunded line; without it, the order's lines", async () => {
    const order = paid();
    expect((await sendWoo('order.created', order)).body.status).toBe('accepted');
    const refunded = { ...order, status: 'processing', refunds: [{ id: 901, reason: 'broken', total: '-39.90' }], date_modified_gmt: '2026-11-21T10:00:00' };
    const refund = {
      id: 901,
      date_created_gmt: '2026-11-21T10:00:00',
      amount: '39.90',
      line_items: [
        { id: 5, name: 'Kubek ceramiczny – niebieski', product_id: 93, variation_id: 101, quantity: -1, total: '-39.90', sku: 'KUB-NIEB', price: -39.9 },
      ],
    };
    const original = globalThis.fetch;
    const seen: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.startsWith(WOO.WOOCOMMERCE_URL)) return original(input, init);
      seen.push(new URL(url).pathname);
      return Response.json(refund);
    });
    const events = queuedEvents();
    const answer = await sendWoo('order.updated', refunded, { bindings: wooEnv });
    expect(answer.body.status).toBe('accepted');
    expect(seen).toEqual([`/wp-json/wc/v3/orders/${order.id}/refunds/901`]);
    const ret = events().find((e) => e.type === 'return')!;
    expect(ret.products).toEqual([{ id: '101', quantity: 1, name: 'Kubek ceramiczny – niebieski', price: 39.9 }]);
    expect(ret.value).toBe(39.9);

    // Without credentials: today's behaviour, the order's lines.
    const other = paid();
    await sendWoo('order.created', other);
    await sendWoo('order.updated', { ...other, refunds: [{ id: 902, reason: '', total: '-10.00' }] });
    const fallback = events().find((e) => e.type === 'return' && e.order?.orderId === String(other.id))!;
    expect(fallback.products?.map((p) => p.id)).toEqual(['101', '22']);
    expect(seen).toHaveLength(1);
  });

  it("a refund fetch that fails still sends the RETURN, with the order's lines and the reason noted", async () => {
    const order = paid();
    await sendWoo('order.created', order);
    const original = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      return url.startsWith(WOO.WOOCOMMERCE_URL) ? new Response('down', { status: 502 }) : original(input, init);
    });
    const events = queuedEvents();
    const answer = await sendWoo('order.updated', { ...order, refunds: [{ id: 903, reason: '', total: '-5.00' }] }, { bindings: wooEnv });
    expect(answer.body.status).toBe('accepted');
    expect(events().find((e) => e.type === 'return')!.products).toHaveLength(2);
  });
});

describe('Shopify pull', () => {
  it('follows the Link header, sends each missed purchase and refund once, and a second pull adds nothing', async () => {
    const delivered = shopifyOrder();
    expect((await sendShopify('orders/paid', delivered)).body.status).toBe('accepted');
    const missed = shopifyOrder({ financial_status: 'partially_refunded' });
    const refund = shopifyRefund(missed.id);
    (missed as { refunds: unknown[] }).refunds = [refund];
    const unpaid = shopifyOrder({ financial_status: 'pending' });
    const customer = shopifyCustomer();
    const next = `https://${SHOPIFY_DOMAIN}/admin/api/2025-01/orders.json?limit=50&page_info=abc`;
    const api = apiDouble((url) => {
      if (url.pathname.endsWith('/customers.json')) return Response.json({ customers: [customer] }, { headers: { 'X-Shopify-Shop-Api-Call-Limit': '3/40' } });
      if (url.searchParams.get('page_info') === 'abc')
        return Response.json({ orders: [missed, unpaid] }, { headers: { 'X-Shopify-Shop-Api-Call-Limit': '2/40' } });
      return Response.json({ orders: [delivered] }, { headers: { Link: `<${next}>; rel="next"`, 'X-Shopify-Shop-Api-Call-Limit': '1/40' } });
    });
    const events = queuedEvents();
    const config = readConfig(shopifyEnv);
    const run = await reconcile(shopifyEnv, config, 'shopify', { now: NOW, fetcher: api.fetcher, wait: async () => {} });
    expect(run).toMatchObject({ status: 'done', found: 4, missing: 2, contacts: 1, pages: 3 });
    expect(
      events()
        .map((e) => `${e.type}:${e.order?.orderId}`)
        .sort(),
    ).toEqual([`purchase:${missed.id}`, `return:${missed.id}`].sort());
    expect(api.calls.map((c) => c.headers.get('X-Shopify-Access-Token'))).toEqual(Array(3).fill(SHOPIFY.SHOPIFY_ADMIN_TOKEN));
    expect(api.calls[0]!.url.searchParams.get('updated_at_min')).toBe(new Date(NOW - FIRST_PULL_LOOKBACK_MS).toISOString());
    expect(api.calls[0]!.url.searchParams.get('status')).toBe('any');

    const again = await reconcile(shopifyEnv, config, 'shopify', { now: NOW + 3_600_000, fetcher: api.fetcher, wait: async () => {} });
    expect(again).toMatchObject({ status: 'done', missing: 0, contacts: 0 });
    expect(events()).toHaveLength(2);
  });

  it('waits when the leaky bucket is nearly full and once on a short 429; a long Retry-After ends the run to resume later', async () => {
    expect(bucketWait('20/40')).toBe(0);
    expect(bucketWait('39/40')).toBe(4);
    expect(nextLink('<https://a/x?page_info=p>; rel="previous", <https://a/y?page_info=n>; rel="next"')).toBe('https://a/y?page_info=n');
    const waits: number[] = [];
    let call = 0;
    const api = apiDouble(() => {
      call++;
      if (call === 1) return new Response('', { status: 429, headers: { 'Retry-After': '2.0' } });
      if (call === 2) return Response.json({ orders: [] }, { headers: { 'X-Shopify-Shop-Api-Call-Limit': '38/40' } });
      return new Response('', { status: 429, headers: { 'Retry-After': '60' } });
    });
    const run = await reconcile(shopifyEnv, readConfig(shopifyEnv), 'shopify', { now: NOW, fetcher: api.fetcher, wait: async (s) => void waits.push(s) });
    expect(waits).toEqual([2, 3.5]);
    expect(run).toMatchObject({ status: 'failed', pages: 1 });
    expect(run.error).toMatch(/429, Retry-After 60 s/);
    // The orders phase was done: the next run starts with the customers of the same window.
    expect(JSON.parse((await pullState(env.LEDGER, 'shopify'))!.cursor!)).toMatchObject({ phase: 'customers', until: NOW });
  });

  it('never follows a next page on another host', async () => {
    const api = apiDouble(() =>
      Response.json({ orders: [] }, { headers: { Link: '<https://evil.example/admin/api/2025-01/orders.json?page_info=x>; rel="next"' } }),
    );
    const run = await reconcile(shopifyEnv, readConfig(shopifyEnv), 'shopify', { now: NOW, fetcher: api.fetcher });
    expect(run).toMatchObject({ status: 'failed', error: 'Shopify gave a next page on another host' });
    expect(api.calls).toHaveLength(1);
  });
});

describe('POST /admin/reconcile', () => {
  const auth = { Authorization: `Basic ${btoa(`x:${env.ADMIN_PASSWORD}`)}` };
  it('names the missing settings, refuses an unknown platform, and needs the admin password', async () => {
    const none = await postHook('/admin/reconcile?platform=woocommerce', '', auth);
    expect(none).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('WOOCOMMERCE_URL, WOOCOMMERCE_CONSUMER_KEY and WOOCOMMERCE_CONSUMER_SECRET are not configured') },
    });
    expect(await postHook('/admin/reconcile?platform=magento', '', auth)).toMatchObject({
      status: 400,
      body: { error: 'platform must be "woocommerce" or "shopify"' },
    });
    expect((await postHook('/admin/reconcile?platform=woocommerce', '', {})).status).toBe(401);
  });

  it('runs a pull and answers its figures without the credentials', async () => {
    const original = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      return url.startsWith(WOO.WOOCOMMERCE_URL) ? Response.json([]) : original(input, init);
    });
    const res = await postHook('/admin/reconcile?platform=woocommerce', '', auth, wooEnv);
    expect(res).toMatchObject({ status: 200, body: { platform: 'woocommerce', status: 'done', found: 0, missing: 0 } });
    expect(JSON.stringify(res.body)).not.toMatch(/ck_test|cs_test/);
  });
});
