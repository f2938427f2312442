// The event stage of a delivery run (delivery/deliver.ts): every event but carts, in batch adds of
// up to CHUNK_SIZE. A batch add is not idempotent: a timed-out add is not retried in the run, and
// sent again later in small chunks (README "Delivery guarantees").
import { CHUNK_SIZE } from '../salesmanago/limits.ts';
import type { EventItem } from '../salesmanago/types.ts';
import { toContactEvent } from './mapping.ts';
import type { DeliveryRun } from './run.ts';
import { refName, REFUSED_PREFIX, UNCONFIRMED_CHUNK, type ReadyEvent, type WorkItem } from './work.ts';

export async function sendEventBatches(run: DeliveryRun, items: ReadyEvent[]): Promise<void> {
  const pairs = items.map((w) => ({ w, item: { contact: w.ref, event: toContactEvent(w.event, run.ctx) } as EventItem }));
  // Events whose earlier add timed out go in small chunks: if SALESmanago did store the first add,
  // a re-send duplicates at most this many (README "Delivery guarantees").
  const chunks: (typeof pairs)[] = [];
  const unconfirmed = pairs.filter((p) => p.w.unconfirmed);
  for (let start = 0; start < unconfirmed.length; start += UNCONFIRMED_CHUNK) chunks.push(unconfirmed.slice(start, start + UNCONFIRMED_CHUNK));
  const fresh = pairs.filter((p) => !p.w.unconfirmed);
  for (let start = 0; start < fresh.length; start += CHUNK_SIZE) chunks.push(fresh.slice(start, start + CHUNK_SIZE));
  for (const part of chunks) {
    await run.settle(
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
    );
  }
}
