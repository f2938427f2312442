// The event stage of a delivery run (delivery/deliver.ts): every event but carts, in batch adds of
// up to CHUNK_SIZE, a few side by side. A batch add is not idempotent: a timed-out add is not retried
// in the run, and sent again shortly after in small chunks (docs/delivery.md "Delivery guarantees").
import { CHUNK_SIZE } from '../salesmanago/limits.ts';
import type { EventItem } from '../salesmanago/types.ts';
import { toContactEvent } from './mapping.ts';
import { inParallel, type DeliveryRun } from './run.ts';
import { refName, REFUSED_PREFIX, UNCONFIRMED_CHUNK, type ReadyEvent, type WorkItem } from './work.ts';

/**
 * Event batch calls in flight at once: their chunks hold distinct events, so they are independent,
 * and one that hangs (an add waits up to 3 x the timeout) does not hold back the others, e.g. the 15
 * chunks of 20 that re-send a 300-order flush whose add got no answer (docs/performance.md "Performance", 5b).
 */
const CHUNKS_PARALLEL = 4;

export async function sendEventBatches(run: DeliveryRun, items: ReadyEvent[]): Promise<void> {
  // A contact's events stay together, in the batch's order, so that chunks sent side by side do not
  // reorder them (only a contact with more events than a chunk spans two).
  const byContact = new Map<string, ReadyEvent[]>();
  for (const w of items) {
    const key = refName(w.ref).toLowerCase();
    byContact.set(key, [...(byContact.get(key) ?? []), w]);
  }
  const pairs = [...byContact.values()].flat().map((w) => ({ w, item: { contact: w.ref, event: toContactEvent(w.event, run.ctx) } as EventItem }));
  // Events whose earlier add timed out go in small chunks: if SALESmanago did store the first add,
  // a re-send duplicates at most this many (docs/delivery.md "Delivery guarantees").
  const chunks: (typeof pairs)[] = [];
  const unconfirmed = pairs.filter((p) => p.w.unconfirmed);
  for (let start = 0; start < unconfirmed.length; start += UNCONFIRMED_CHUNK) chunks.push(unconfirmed.slice(start, start + UNCONFIRMED_CHUNK));
  const fresh = pairs.filter((p) => !p.w.unconfirmed);
  for (let start = 0; start < fresh.length; start += CHUNK_SIZE) chunks.push(fresh.slice(start, start + CHUNK_SIZE));
  await inParallel(chunks, CHUNKS_PARALLEL, (part) =>
    run.settle(
      part,
      (xs) => run.patient.batchAddEvents(xs.map((x) => x.item)),
      async (xs, value) => {
        const refused = new Set(value.failed.map((f) => f.trim().toLowerCase()));
        const delivered: { item: WorkItem }[] = [];
        for (const { w } of xs) {
          const name = refName(w.ref);
          if (refused.has(name.toLowerCase())) {
            w.outcome = { status: 'failed', reason: `${REFUSED_PREFIX}SALESmanago did not create the event: ${name} is in failedContacts` };
          } else delivered.push({ item: w });
        }
        await run.delivered(delivered);
      },
      (xs, err, ambiguous) => {
        for (const { w } of xs) w.outcome = run.failure(err, w, 'events', ambiguous);
      },
      { idempotent: false },
    ),
  );
}
