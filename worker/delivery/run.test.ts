// The run's group commit (run.ts `delivered`): marks of calls confirmed side by side share one D1
// write, and each caller learns whether its own marks were written.
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { insertRow, ledgerRow } from '../ledger/deliveries/rows.ts';
import { openCarts } from '../ledger/carts.ts';
import { countedLedger } from '../test/d1-count.ts';
import { browserEvent, env, ledgerMany, uid } from '../test/delivery-fixtures.ts';
import { DeliveryRun } from './run.ts';
import type { DeliveryDeps, WorkItem } from './work.ts';

function runOn(db: D1Database): DeliveryRun {
  const deps: DeliveryDeps = {
    db,
    client: {} as DeliveryDeps['client'],
    config: readConfig(env),
    requeue: async () => undefined,
  };
  return new DeliveryRun(deps);
}

/** Eight carts of eight contacts, their ledger rows queued. */
async function carts(): Promise<{ item: WorkItem; key: string }[]> {
  const list = Array.from({ length: 8 }, () => {
    const address = `${uid('mk')}@example.com`.toLowerCase();
    const event = browserEvent('cart', { visitorId: uid('v'), email: address });
    return { item: { id: event.id, event, ref: { email: address }, attempt: 1 } as WorkItem, key: `email:${address}` };
  });
  await env.LEDGER.batch(list.map(({ item }) => insertRow(env.LEDGER, ledgerRow({ kind: 'event', event: item.event! }, '{}'), Date.now())));
  return list;
}

describe('delivered marks (group commit)', () => {
  it('marks confirmed side by side go in one round trip, with the carts they opened and updated', async () => {
    const list = await carts();
    const { db, roundTrips } = countedLedger(env.LEDGER);
    const run = runOn(db);
    await Promise.all(
      list.map(({ item, key }, i) => run.delivered([{ item, smEventId: `sm-${key}` }], i % 2 === 0 ? { opened: `sm-${key}`, key } : { touched: key })),
    );
    expect(roundTrips()).toBe(1);
    const rows = await ledgerMany(list.map(({ item }) => item.id));
    expect([...rows.values()].map((r) => r.status)).toEqual(Array(8).fill('delivered'));
    expect(rows.get(list[2]!.item.id)?.sm_event_id).toBe(`sm-${list[2]!.key}`);
    // Opened carts are recorded with their eventIds; a touch of a cart that is not open writes nothing.
    const open = await openCarts(
      env.LEDGER,
      list.map((c) => c.key),
      Date.now(),
    );
    expect([...open.keys()].sort()).toEqual(
      list
        .filter((_, i) => i % 2 === 0)
        .map((c) => c.key)
        .sort(),
    );
    expect(open.get(list[4]!.key)).toBe(`sm-${list[4]!.key}`);
  });

  it('a mark confirmed while a write is on its way waits for the next write, which carries every later one', async () => {
    const list = await carts();
    const { db, roundTrips } = countedLedger(env.LEDGER);
    const run = runOn(db);
    const first = run.delivered([{ item: list[0]!.item }]);
    // Confirmed a moment later, while the first write is on its way: these three share the second.
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    const later = list.slice(1, 4).map(({ item }) => run.delivered([{ item }]));
    await Promise.all([first, ...later]);
    expect(roundTrips()).toBe(2);
    const rows = await ledgerMany(list.slice(0, 4).map(({ item }) => item.id));
    expect([...rows.values()].every((r) => r.status === 'delivered')).toBe(true);
  });

  it('a failed write fails every caller whose marks it carried, none of their rows marked; a later mark writes again', async () => {
    const list = await carts();
    const failing = countedLedger(env.LEDGER, { fail: true });
    const run = runOn(failing.db);
    const results = await Promise.allSettled(list.slice(0, 3).map(({ item, key }) => run.delivered([{ item }], { opened: 'sm-x', key })));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const rows = await ledgerMany(list.slice(0, 3).map(({ item }) => item.id));
    expect([...rows.values()].map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
    expect(failing.roundTrips()).toBe(1);
    await expect(run.delivered([{ item: list[3]!.item }])).rejects.toThrow('D1 unavailable');
    expect(failing.roundTrips()).toBe(2);
  });
});
