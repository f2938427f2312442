// D1 round trips the consumer makes per delivered event, on a full batch of the traffic the capacity
// plan assumes (test/bench/capacity.ts DEFAULTS quotes the figure printed here, d1CallsPerEvent): 100 queue
// messages, page-load beacons of identified visitors (1.2 events each: a fifth also change a cart, four
// changes a shopper) and a few shop orders. Each prepare().run/all/first/raw and each batch() is one round trip.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueMessage } from '../queue/messages.ts';
import { env as bindings } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { browserEvent, consume, email, env, orderEvent, recordAccepted, uid } from '../test/delivery-fixtures.ts';
import { emailIn, twoLedgers, visitorIn } from '../test/ledgers.ts';
import { countedLedger } from '../test/d1-count.ts';

/** SALESmanago's answer time here: calls take time, as against the real API, so that what runs side by side overlaps as it would there. */
const ANSWER_MS = 100;

/** The rows recordAccepted wrote in LEDGER, moved to LEDGER_1 (where the shop API puts them with two databases). */
async function moveRows(messages: QueueMessage[]): Promise<void> {
  const ids = JSON.stringify(messages.flatMap((m) => (m.kind === 'events' ? m.events.filter((e) => e.source === 'shop').map((e) => e.id) : [])));
  const { results } = await bindings.LEDGER.prepare('SELECT * FROM deliveries WHERE id IN (SELECT value FROM json_each(?))')
    .bind(ids)
    .all<Record<string, unknown>>();
  for (const r of results) {
    const columns = Object.keys(r);
    await bindings.LEDGER_1.prepare(`INSERT INTO deliveries (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
      .bind(...columns.map((c) => r[c]))
      .run();
  }
  await bindings.LEDGER.prepare('DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))').bind(ids).run();
}

/** A full batch of the capacity plan's traffic: 100 messages, their events counted; contacts from `visitor` and `email`. */
async function capacityBatch(visitor: () => string, address: () => string): Promise<{ messages: QueueMessage[]; events: number; shoppers: number }> {
  const messages: QueueMessage[] = [];
  let events = 0;
  // A fifth of the beacons change a cart, four changes a shopper (DEFAULTS.cartChangesPerShopper):
  // 20 cart beacons of 5 shoppers.
  const shoppers = Array.from({ length: 5 }, () => ({ visitorId: visitor(), address: address() }));
  for (let i = 0; i < 98; i++) {
    const cart = i % 5 === 0;
    const { visitorId, address: mail } = cart ? shoppers[(i / 5) % shoppers.length]! : { visitorId: visitor(), address: address() };
    const list = [browserEvent('visit', { visitorId, email: mail })];
    if (cart) list.push(browserEvent('cart', { visitorId, email: mail, products: [{ id: `sku-${i}`, quantity: 1, price: 10 }], value: 10, currency: 'PLN' }));
    events += list.length;
    messages.push({ kind: 'events', events: list });
  }
  const orders = [orderEvent('purchase', { email: address() }), orderEvent('purchase', { email: address() })];
  await recordAccepted(orders.map((event) => ({ kind: 'event', event }) as QueueMessage));
  for (const event of orders) messages.push({ kind: 'events', events: [event] });
  events += orders.length;
  return { messages, events, shoppers: shoppers.length };
}

/** Consumes the batch as a shard would: a first pass, then the settled carts again. */
async function deliverBatch(batch: { messages: QueueMessage[]; shoppers: number }, options: { env: Env; queue?: string }, between: () => void): Promise<void> {
  const run = await consume(batch.messages, options);
  // Cart changes settle on the queue first (delivery/carts.ts CART_SETTLE_S): each shopper's latest
  // waits, its older changes are superseded at once. The second pass counts too.
  const again = batch.messages.filter((_, i) => run.retried.has(run.ids[i]!));
  expect(again.length).toBe(batch.shoppers);
  between();
  const second = await consume(again, { ...options, attempts: 2 });
  expect(second.acked.size).toBe(again.length);
  expect(run.acked.size + again.length).toBe(batch.messages.length);
}

describe('D1 round trips per delivered event', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function slowSalesmanago() {
    const fetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (...args: Parameters<typeof fetch>) => {
      await new Promise((r) => setTimeout(r, ANSWER_MS));
      return fetch(...args);
    });
  }

  it('a full batch of the capacity plan’s traffic costs under 0.25 per event', async () => {
    const batch = await capacityBatch(
      () => uid('v'),
      () => email('d1'),
    );
    slowSalesmanago();
    const { db, roundTrips: calls, statements } = countedLedger(env.LEDGER);
    let first = 0;
    await deliverBatch(batch, { env: { ...env, LEDGER: db, DELIVERY_WINDOW_S: '0' } }, () => {
      first = calls();
    });
    const perEvent = calls() / batch.events;
    console.log(
      `D1 round trips: ${calls()} for ${batch.events} events (${batch.messages.length} messages): ${perEvent.toFixed(3)} per event; ${first} in the first pass, ${calls() - first} for the ${batch.shoppers} settled carts; ${statements()} statements (${(statements() / batch.events).toFixed(3)} per event)`,
    );
    // Steps of one stage share a round trip (ledger/parts.ts together), and a cart's delivered mark and
    // its open cart are one write (delivery/run.ts delivered): 0.567 per event before either, with one
    // change a shopper (0.308 after).
    expect(perEvent).toBeLessThan(0.25);
  });

  it('with two ledger databases a shard writes its own as with one, and LEDGER one round trip a batch', async () => {
    const batch = await capacityBatch(
      () => visitorIn(1),
      () => emailIn(1, 'd1'),
    );
    // recordAccepted wrote the orders' rows in LEDGER; with two databases they are LEDGER_1's.
    await moveRows(batch.messages);
    // The first run under a new shard count records it (ledger/shards.ts): once, not counted here.
    await consume([{ kind: 'flush', shard: 1 }], { env: { ...twoLedgers(env), DELIVERY_WINDOW_S: '0' }, queue: 'sm-edge-events-1' });
    slowSalesmanago();
    const home = countedLedger(bindings.LEDGER);
    const own = countedLedger(bindings.LEDGER_1);
    const two = { ...twoLedgers(env), LEDGER: home.db, LEDGER_1: own.db, DELIVERY_WINDOW_S: '0' } as Env;
    await deliverBatch(batch, { env: two, queue: 'sm-edge-events-1' }, () => undefined);
    const perEvent = own.roundTrips() / batch.events;
    console.log(
      `Two ledger databases, shard 1: LEDGER_1 ${own.roundTrips()} round trips (${perEvent.toFixed(3)} per event), LEDGER ${home.roundTrips()} for 2 consumer runs`,
    );
    expect(perEvent).toBeLessThan(0.25);
    // The shard state and the erasure marks, read once a run: LEDGER's whole share of a shard's work.
    expect(home.roundTrips()).toBe(2);
  });
});
