// D1 round trips the consumer makes per delivered event, on a full batch of the traffic the capacity
// plan assumes (test/bench/capacity.ts DEFAULTS quotes the figure printed here, d1CallsPerEvent): 100 queue
// messages, page-load beacons of identified visitors (1.2 events each: a fifth also change a cart)
// and a few shop orders. Each prepare().run/all/first/raw and each batch() is one round trip.
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import type { QueueMessage } from '../queue/messages.ts';
import { browserEvent, consume, email, env, orderEvent, recordAccepted, uid } from '../test/delivery-fixtures.ts';

/** env.LEDGER with a count of its round trips. */
function counted(): { env: Env; calls: () => number } {
  let n = 0;
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop, receiver) {
        if (prop === 'bind') return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === 'run' || prop === 'all' || prop === 'first' || prop === 'raw') {
          return (...args: unknown[]) => {
            n += 1;
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  const db = new Proxy(env.LEDGER, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql));
      if (prop === 'batch')
        return (list: D1PreparedStatement[]) => {
          n += 1;
          return target.batch(list);
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { env: { ...env, LEDGER: db, DELIVERY_WINDOW_S: '0' }, calls: () => n };
}

describe('D1 round trips per delivered event', () => {
  it('a full batch of the capacity plan’s traffic costs less than one per event', async () => {
    const messages: QueueMessage[] = [];
    let events = 0;
    for (let i = 0; i < 98; i++) {
      const visitorId = uid('v');
      const address = email('d1');
      const list = [browserEvent('visit', { visitorId, email: address })];
      if (i % 5 === 0)
        list.push(browserEvent('cart', { visitorId, email: address, products: [{ id: 'sku-1', quantity: 1, price: 10 }], value: 10, currency: 'PLN' }));
      events += list.length;
      messages.push({ kind: 'events', events: list });
    }
    const orders = [orderEvent('purchase'), orderEvent('purchase')];
    await recordAccepted(orders.map((event) => ({ kind: 'event', event }) as QueueMessage));
    for (const event of orders) messages.push({ kind: 'events', events: [event] });
    events += orders.length;

    const { env: countedEnv, calls } = counted();
    const run = await consume(messages, { env: countedEnv });
    // Cart changes settle on the queue first (delivery/carts.ts CART_SETTLE_S): their second pass counts too.
    const again = messages.filter((_, i) => run.retried.has(run.ids[i]!));
    expect(again.length).toBe(20);
    const first = calls();
    const second = await consume(again, { env: countedEnv, attempts: 2 });
    expect(second.acked.size).toBe(again.length);
    expect(run.acked.size + again.length).toBe(messages.length);
    const perEvent = calls() / events;
    console.log(
      `D1 round trips: ${calls()} for ${events} events (${messages.length} messages): ${perEvent.toFixed(3)} per event; ${first} in the first pass, ${calls() - first} for the 20 settled carts`,
    );
    expect(perEvent).toBeLessThan(0.8);
  });
});
