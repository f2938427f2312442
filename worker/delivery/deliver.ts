// Delivery of one batch of events and contacts to SALESmanago, with as few calls as possible, in
// stages that share one run (run.ts: budgets, clock, the one way of making a call):
//   1. identity (visitors.ts): visitor links from this batch; events of still-anonymous visitors are
//      held, held events of visitors identified now are released into this batch;
//   2. contacts (upserts.ts): one batch upsert (<= 400 per call) for the contacts that need one,
//      before any event;
//   3. CART (carts.ts): one open CART event per contact, updated in place (single add/update calls);
//   4. all other events (events.ts): batch add (<= 400 per call);
//   5. outcomes (outcomes.ts): held, failed, retried and dead rows written back.
// Every confirmed chunk is marked 'delivered' in the ledger at once, before anything else can fail,
// so a retry of the message can never send it again.
import { closePurchasedCarts, planCarts, sendCarts, settleCarts } from './carts.ts';
import { sendEventBatches } from './events.ts';
import { recordRest } from './outcomes.ts';
import { DeliveryRun } from './run.ts';
import { upsertContacts } from './upserts.ts';
import { resolveIdentities } from './visitors.ts';
import type { DeliveryDeps, ReadyEvent, WorkItem } from './work.ts';

const isReady = (i: WorkItem): i is ReadyEvent => Boolean(i.event && i.ref && !i.outcome);

export async function deliver(items: WorkItem[], deps: DeliveryDeps): Promise<WorkItem[]> {
  const run = new DeliveryRun(deps);
  const released = await resolveIdentities(run, items);
  const all = [...items, ...released];
  await upsertContacts(run, all);

  const ready = all.filter(isReady);
  const others = ready.filter((i) => i.event.type !== 'cart');
  const purchases = others.filter((i) => i.event.type === 'purchase');
  const carts = await planCarts(
    run,
    await settleCarts(
      run,
      ready.filter((i) => i.event.type === 'cart'),
    ),
    purchases,
  );
  await sendCarts(run, carts.before, true);
  await sendEventBatches(run, others);
  await closePurchasedCarts(run, carts, purchases);
  await sendCarts(run, carts.after, false);

  await recordRest(run, all);
  return all;
}
