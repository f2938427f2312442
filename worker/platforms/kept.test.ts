// Signed means kept (receive.ts, kept.ts): a signed delivery is never lost because of the worker. With the
// ledger failing it is queued as it came and processed once D1 is back; a payload that cannot become
// events is kept with its reason and replays after the fix; the setup page and /health say whether the
// shop signs with the worker's secret.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as v from 'valibot';
import type { Env } from '../env.ts';
import { app } from '../index.ts';
import type { QueueMessage } from '../queue/messages.ts';
import { consume, ledger, simEventsOf } from '../test/delivery-fixtures.ts';
import { env, nextId, sendShopify, sendWoo, shopifyOrder, shopifyRefund, uniqueEmail, WOO_SECRET, wooOrder } from '../test/platform-fixtures.ts';
import { deliveryById } from './deliveries.ts';
import { woocommerce, wooOrderSchema } from './woocommerce.ts';
import { shopEventId } from '../ingest/shop.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A D1 binding that fails every statement, as an outage does (a test double of the binding). */
function failingD1(): D1Database {
  const fail = () => Promise.reject(new Error('D1_ERROR: Network connection lost.'));
  const statement: D1PreparedStatement = {
    bind: () => statement,
    first: fail,
    run: fail,
    all: fail,
    raw: fail,
  } as unknown as D1PreparedStatement;
  return {
    prepare: () => statement,
    batch: fail,
    exec: fail,
    dump: fail,
    withSession: () => {
      throw new Error('D1_ERROR');
    },
  } as unknown as D1Database;
}

const broken = (): Env => ({ ...env, LEDGER: failingD1() });

async function get(path: string, bindings: Env = env): Promise<{ status: number; text: string }> {
  const res = await app.request(path, { headers: { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` } }, bindings);
  return { status: res.status, text: await res.text() };
}

describe('with the ledger unwritable', () => {
  it('a signed delivery is answered 200, queued as it came, and its purchase reaches SALESmanago once D1 is back', async () => {
    const email = uniqueEmail('d1down');
    const order = wooOrder({ status: 'processing', email, date_paid_gmt: '2026-11-20T13:04:00' });
    const sent: QueueMessage[] = [];
    vi.spyOn(env.EVENTS, 'send').mockImplementation(async (body) => {
      sent.push(body);
      return {} as QueueSendResponse;
    });
    const batches: QueueMessage[] = [];
    vi.spyOn(env.EVENTS, 'sendBatch').mockImplementation(async (msgs) => {
      batches.push(...[...msgs].map((m) => m.body));
      return {} as QueueSendBatchResponse;
    });

    const res = await sendWoo('order.created', order, { bindings: broken(), deliveryId: `down-${order.id}` });
    expect(res).toMatchObject({ status: 200, body: { status: 'queued', deliveryId: `down-${order.id}` } });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'platform-delivery', platform: 'woocommerce', delivery: { topic: 'order.created', body: JSON.stringify(order) } });

    // Still down: the consumer retries it later, nothing is lost.
    const again = await consume(sent, { env: broken() });
    expect(again.retried.get(again.ids[0]!)).toBe(30);

    // D1 is back: the delivery becomes its purchase, recorded and queued; the consumer delivers it.
    const back = await consume(sent);
    expect(back.acked.has(back.ids[0]!)).toBe(true);
    const purchaseId = shopEventId('purchase', String(order.id));
    expect(await ledger(purchaseId)).toMatchObject({ type: 'purchase' });
    expect(await deliveryById(env.LEDGER, 'woocommerce', `down-${order.id}`)).toMatchObject({ outcome: 'accepted', items: [purchaseId] });
    expect(batches.length).toBeGreaterThan(0);
    await consume(batches);
    const events = await simEventsOf([email]);
    expect(events.map((e) => [e.contactExtEventType, e.externalId])).toEqual([['PURCHASE', String(order.id)]]);

    // The same delivery queued twice (a platform's own retry meanwhile) changes nothing.
    const twice = await consume(sent);
    expect(twice.acked.has(twice.ids[0]!)).toBe(true);
    expect(await simEventsOf([email])).toHaveLength(1);
  });

  it('answers 503 only when the queue refuses the delivery too', async () => {
    vi.spyOn(env.EVENTS, 'send').mockRejectedValue(new Error('Queue send failed'));
    const res = await sendWoo('order.created', wooOrder({ status: 'processing' }), { bindings: broken() });
    expect(res.status).toBe(503);
    expect(res.body.error).toContain('temporarily unavailable');
  });
});

describe('a signed delivery that cannot become events', () => {
  it('is kept with its reason, shown on /setup, and replays after the mapping is fixed', async () => {
    const email = uniqueEmail('kept');
    // Counted against what other files sharing this storage left kept (the quick loop runs without isolation).
    const keptCount = (text: string) => Number(/(\d+) signed deliver(?:y|ies) kept/.exec(text)?.[1] ?? 0);
    const keptBefore = keptCount((await get('/setup?lang=en')).text);
    // A line quantity sent as a string: the schema (before the "fix") wants a number.
    const order = {
      ...wooOrder({ status: 'processing', email }),
      line_items: [{ id: 1, name: 'Kubek', product_id: 93, variation_id: 0, quantity: '2', price: 10, total: '20.00' }],
    };
    const deliveryId = `kept-${order.id}`;
    const res = await sendWoo('order.updated', order, { deliveryId });
    expect(res).toMatchObject({ status: 200, body: { status: 'kept', reason: expect.stringContaining('line_items[0].quantity: must be a number') } });
    expect(await deliveryById(env.LEDGER, 'woocommerce', deliveryId)).toMatchObject({ outcome: 'kept', body: JSON.stringify(order) });

    const page = await get('/setup?lang=en');
    expect(keptCount(page.text)).toBeGreaterThanOrEqual(keptBefore + 1);
    expect(page.text).toContain('line_items[0].quantity: must be a number');

    // Replaying before the fix keeps it (with its reason).
    const before = await app.request(
      '/admin/replay?status=kept',
      { method: 'POST', headers: { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` } },
      env,
    );
    expect(before.status).toBe(200);
    expect(await deliveryById(env.LEDGER, 'woocommerce', deliveryId)).toMatchObject({ outcome: 'kept' });

    // The fix (as a deploy would bring it): quantities given as decimal strings are read as numbers.
    const fixed = v.looseObject({
      ...wooOrderSchema.entries,
      line_items: v.array(
        v.looseObject({ ...wooOrderSchema.entries.line_items.item.entries, quantity: v.pipe(v.union([v.number(), v.string()]), v.transform(Number)) }),
      ),
    });
    vi.spyOn(woocommerce, 'topics', 'get').mockReturnValue({ ...woocommerce.topics, 'order.updated': fixed });
    const after = await app.request(
      '/admin/replay?status=kept',
      { method: 'POST', headers: { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` } },
      env,
    );
    expect(await after.json()).toMatchObject({ accepted: expect.any(Number) });
    const purchaseId = shopEventId('purchase', String(order.id));
    expect(await deliveryById(env.LEDGER, 'woocommerce', deliveryId)).toMatchObject({ outcome: 'accepted', items: [purchaseId] });
    expect((await deliveryById(env.LEDGER, 'woocommerce', deliveryId))?.body).toBeUndefined();
    expect(await ledger(purchaseId)).toMatchObject({ type: 'purchase' });
  });

  it('a mapper that throws (a bug of ours) keeps the delivery instead of retrying it as an outage', async () => {
    vi.spyOn(woocommerce, 'map').mockImplementation(() => {
      throw new TypeError('boom');
    });
    const res = await sendWoo('order.updated', wooOrder({ status: 'processing' }));
    expect(res).toMatchObject({ status: 200, body: { status: 'kept', reason: 'order.updated: the WooCommerce mapper failed (boom)' } });
  });

  it('a Shopify refund that came before its purchase is kept and replays once the purchase is in', async () => {
    const order = shopifyOrder();
    const refund = shopifyRefund(order.id);
    const webhookId = `early-${nextId()}`;
    const early = await sendShopify('refunds/create', refund, { webhookId });
    expect(early).toMatchObject({ status: 200, body: { status: 'kept' } });
    expect((await sendShopify('orders/paid', order)).body.status).toBe('accepted');
    const res = await app.request('/admin/replay?status=kept', { method: 'POST', headers: { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` } }, env);
    expect(res.status).toBe(200);
    expect(await deliveryById(env.LEDGER, 'shopify', webhookId)).toMatchObject({ outcome: 'accepted' });
  });
});

describe("whether the shop signs with the worker's secret", () => {
  it('a delivery signed with another secret is a red plain-words message on /setup (en, pl) and a problem on /health; a matching one clears it', async () => {
    const wrong = await sendWoo('order.created', wooOrder({ status: 'processing' }), { secret: 'the-shop-has-another-secret' });
    expect(wrong.status).toBe(401);
    const en = await get('/setup?lang=en');
    expect(en.text).toContain('<strong class="badge bad">WooCommerce is sending with a different secret: copy this one');
    expect(en.text).not.toContain(WOO_SECRET);
    expect((await get('/setup?lang=pl')).text).toContain('WooCommerce wysyła z innym sekretem: skopiuj ten');
    expect(en.text).toContain('ping (sent when a webhook is saved) carries no signature');
    const health = await (await app.request('/health', {}, env)).json<{ problems: string[]; platformSignatures: Record<string, string> }>();
    expect(health.problems).toContain('WOOCOMMERCE_WEBHOOK_SECRET');
    expect(health.platformSignatures.woocommerce).toBe('mismatch');

    // An unsigned ping changes nothing about it: it proves the URL, not the secret.
    await app.request('/hooks/woocommerce', { method: 'POST', body: 'webhook_id=9', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, env);
    expect((await get('/setup?lang=en')).text).toContain('is sending with a different secret');

    expect((await sendWoo('customer.updated', { id: nextId(), email: uniqueEmail('sig'), first_name: 'A' })).status).toBe(200);
    const ok = await get('/setup?lang=en');
    expect(ok.text).toMatch(/matched: the last signed delivery \(customer\.updated, [\d-]+ [\d:]+ UTC\) used this secret/);
    const healthy = await (await app.request('/health', {}, env)).json<{ problems: string[]; platformSignatures: Record<string, string> }>();
    expect(healthy.problems).not.toContain('WOOCOMMERCE_WEBHOOK_SECRET');
    expect(healthy.platformSignatures.woocommerce).toBe('matched');
  });
});

describe('an order changed after its purchase was accepted', () => {
  it('is recorded as a conflict and shown on /setup; an unchanged re-delivery is not', async () => {
    const order = wooOrder({ status: 'processing', date_paid_gmt: '2026-11-20T13:04:00' });
    expect((await sendWoo('order.created', order)).body.status).toBe('accepted');
    // The same content again (another delivery: completion) is no conflict, even with a payment time set
    // only now (cash on delivery in the real WooCommerce test).
    const same = await sendWoo('order.updated', {
      ...order,
      status: 'completed',
      date_modified_gmt: '2026-11-21T10:00:00',
      date_paid_gmt: '2026-11-21T10:00:00',
    });
    expect(same.body.conflicts).toBeUndefined();
    // The merchant edits the paid order: one line fewer, another total.
    const edited = { ...order, status: 'completed', total: '79.80', line_items: order.line_items.slice(0, 1) };
    const res = await sendWoo('order.updated', edited);
    const purchaseId = shopEventId('purchase', String(order.id));
    expect(res).toMatchObject({ status: 200, body: { status: 'accepted', conflicts: [{ id: purchaseId, fields: ['value', 'products'] }] } });
    const conflict = await env.LEDGER.prepare('SELECT fields, reposts FROM order_conflicts WHERE id = ?')
      .bind(purchaseId)
      .first<{ fields: string; reposts: number }>();
    expect(conflict).toEqual({ fields: '{"value":1,"products":1}', reposts: 1 });
    const page = await get('/setup?lang=en');
    expect(page.text).toContain('Orders re-posted with other content');
    expect(page.text).toContain(`<code>${purchaseId}</code>`);
  });
});
