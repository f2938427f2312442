// D1 round trips the consumer makes per delivered event, on a full batch of the traffic the capacity
// plan assumes (test/bench/capacity.ts DEFAULTS quotes the figure printed here, d1CallsPerEvent): 100 queue
// messages, page-load beacons of identified visitors (1.2 events each: a fifth also change a cart, four
// changes a shopper) and a few shop orders. Each prepare().run/all/first/raw and each batch() is one round trip.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueMessage } from '../queue/messages.ts';
import { browserEvent, consume, email, env, orderEvent, recordAccepted, uid } from '../test/delivery-fixtures.ts';
import { countedLedger } from '../test/d1-count.ts';

/** SALESmanago's answer time here: calls take time, as against the real API, so that what runs side by side overlaps as it would there. */
const ANSWER_MS = 100;

describe('D1 round trips per delivered event', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a full batch of the capacity plan’s traffic costs under 0.25 per event', async () => {
    const messages: QueueMessage[] = [];
    let events = 0;
    // A fifth of the beacons change a cart, four changes a shopper (DEFAULTS.cartChangesPerShopper):
    // 20 cart beacons of 5 shoppers.
    const shoppers = Array.from({ length: 5 }, () => ({ visitorId: uid('v'), address: email('d1') }));
    for (let i = 0; i < 98; i++) {
      const cart = i % 5 === 0;
      const { visitorId, address } = cart ? shoppers[(i / 5) % shoppers.length]! : { visitorId: uid('v'), address: email('d1') };
      const list = [browserEvent('visit', { visitorId, email: address })];
      if (cart)
        list.push(browserEvent('cart', { visitorId, email: address, products: [{ id: `sku-${i}`, quantity: 1, price: 10 }], value: 10, currency: 'PLN' }));
      events += list.length;
      messages.push({ kind: 'events', events: list });
    }
    const orders = [orderEvent('purchase'), orderEvent('purchase')];
    await recordAccepted(orders.map((event) => ({ kind: 'event', event }) as QueueMessage));
    for (const event of orders) messages.push({ kind: 'events', events: [event] });
    events += orders.length;

    const fetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (...args: Parameters<typeof fetch>) => {
      await new Promise((r) => setTimeout(r, ANSWER_MS));
      return fetch(...args);
    });
    const { db, roundTrips: calls, statements } = countedLedger(env.LEDGER);
    const countedEnv = { ...env, LEDGER: db, DELIVERY_WINDOW_S: '0' };
    const run = await consume(messages, { env: countedEnv });
    // Cart changes settle on the queue first (delivery/carts.ts CART_SETTLE_S): each shopper's latest
    // waits, its older changes are superseded at once. The second pass counts too.
    const again = messages.filter((_, i) => run.retried.has(run.ids[i]!));
    expect(again.length).toBe(shoppers.length);
    const first = calls();
    const second = await consume(again, { env: countedEnv, attempts: 2 });
    expect(second.acked.size).toBe(again.length);
    expect(run.acked.size + again.length).toBe(messages.length);
    const perEvent = calls() / events;
    console.log(
      `D1 round trips: ${calls()} for ${events} events (${messages.length} messages): ${perEvent.toFixed(3)} per event; ${first} in the first pass, ${calls() - first} for the ${again.length} settled carts; ${statements()} statements (${(statements() / events).toFixed(3)} per event)`,
    );
    // Steps of one stage share a round trip (ledger/parts.ts together), and a cart's delivered mark and
    // its open cart are one write (delivery/run.ts delivered): 0.567 per event before either, with one
    // change a shopper (0.308 after).
    expect(perEvent).toBeLessThan(0.25);
  });
});
