// Orders whose status moves back and forth, delivered with repeats, reach the SALESmanago simulator as
// exactly one PURCHASE and one RETURN per refund (the official plugin re-sent PURCHASE on every status
// change through 3.11.0; our (type, orderId) identity must prevent it).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueMessage } from '../queue/messages.ts';
import { consume, simEventsOf } from '../test/delivery-fixtures.ts';
import { env, sendShopify, sendWoo, shopifyOrder, shopifyRefund, wooOrder } from '../test/platform-fixtures.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

// Captured, not passed on: the test is the only consumer. Passed on, miniflare's own consumer delivered
// the same messages at the same time as consume() below, two consumers of one contact at once, which
// max_concurrency = 1 rules out in production (wrangler.toml), and the Shopify case counted 2 PURCHASE.
function capture(): () => QueueMessage[] {
  const spy = vi.spyOn(env.EVENTS, 'sendBatch').mockResolvedValue(undefined as never);
  return () => spy.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body as QueueMessage));
}

const count = (events: { contactExtEventType: string }[], type: string) => events.filter((e) => e.contactExtEventType === type).length;

describe('status sequences with repeated deliveries, at the simulator', () => {
  it('WooCommerce: pending → processing → completed → on-hold → completed → refunded (two refunds), each delivered twice', async () => {
    const sent = capture();
    const base = wooOrder({ status: 'pending' });
    const email = base.billing.email;
    const r1 = { id: 9001, reason: '', total: '-10.00' };
    const r2 = { id: 9002, reason: 'reszta', total: '-119.90' };
    const steps = [
      { status: 'pending', refunds: [] },
      { status: 'processing', refunds: [], date_paid_gmt: '2026-11-20T13:04:00' },
      { status: 'completed', refunds: [], date_paid_gmt: '2026-11-20T13:04:00' },
      { status: 'on-hold', refunds: [], date_paid_gmt: '2026-11-20T13:04:00' },
      { status: 'completed', refunds: [r1], date_paid_gmt: '2026-11-20T13:04:00' },
      { status: 'processing', refunds: [r1], date_paid_gmt: '2026-11-20T13:04:00' },
      { status: 'refunded', refunds: [r2, r1], date_paid_gmt: '2026-11-20T13:04:00' },
    ];
    for (const step of steps) {
      const deliveryId = crypto.randomUUID();
      const order = { ...base, ...step };
      for (let i = 0; i < 2; i++) expect((await sendWoo('order.updated', order, { deliveryId })).status).toBe(200);
      // WooCommerce also fires a fresh delivery (new id) for the same state now and then.
      expect((await sendWoo('order.updated', order)).status).toBe(200);
    }
    const messages = sent();
    // Everything queued is delivered twice over, as a redelivered queue batch would be.
    await consume(messages);
    await consume(messages);
    const events = await simEventsOf([email.toLowerCase()]);
    expect(count(events, 'PURCHASE')).toBe(1);
    expect(count(events, 'RETURN')).toBe(2);
    // RETURN carries the plain order id as externalId, as the official plugin sends it; the refund id
    // tells the two apart (and keys our own dedupe).
    const returns = events.filter((e) => e.contactExtEventType === 'RETURN');
    expect(returns.map((e) => e.externalId)).toEqual([String(base.id), String(base.id)]);
    expect(returns.map((e) => e.description).sort()).toEqual([`Return 9001 of order ${base.id}`, `Return 9002 of order ${base.id}`]);
    expect(count(events, 'CANCELLATION')).toBe(0);
  });

  it('Shopify: orders/create (paid) + orders/paid + two refunds, each delivered twice', async () => {
    const sent = capture();
    const order = shopifyOrder();
    const refunds = [
      shopifyRefund(order.id),
      shopifyRefund(order.id, { refund_line_items: [], transactions: [{ kind: 'refund', status: 'success', amount: '10.00', currency: 'EUR' }] }),
    ];
    for (const [topic, payload] of [
      ['orders/create', order],
      ['orders/paid', order],
      ['refunds/create', refunds[0]],
      ['refunds/create', refunds[1]],
    ] as const) {
      const webhookId = crypto.randomUUID();
      for (let i = 0; i < 2; i++) expect((await sendShopify(topic, payload, { webhookId })).status).toBe(200);
    }
    const messages = sent();
    await consume(messages);
    await consume(messages);
    const events = await simEventsOf([order.email.toLowerCase()]);
    expect(count(events, 'PURCHASE')).toBe(1);
    expect(count(events, 'RETURN')).toBe(2);
  });
});
