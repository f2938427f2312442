// The event stage of a delivery run (delivery/deliver.ts): every event but carts, in batch adds of
// up to CHUNK_SIZE, a few side by side. A batch add is not idempotent: a timed-out add is not retried
// in the run, and sent again once shortly after in small chunks, with a longer wait for the answer;
// if that goes unanswered too, an hour later (docs/delivery.md "The bound").
import { CHUNK_SIZE } from '../salesmanago/limits.ts';
import type { EventItem } from '../salesmanago/types.ts';
import { toContactEvent } from './mapping.ts';
import { markInFlight } from '../ledger/deliveries/rows.ts';
import { inParallel, UNANSWERED_TWICE_WAIT_S, UNCONFIRMED_RETRY_S, type DeliveryRun } from './run.ts';
import { IN_FLIGHT, refName, REFUSED_PREFIX, UNCONFIRMED_CHUNK, withUnanswered, type ReadyEvent, type WorkItem } from './work.ts';

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
  await inParallel(chunks, CHUNKS_PARALLEL, async (part) => {
    // A re-send after an unanswered add: the only one before an answer shows whether SALESmanago
    // holds the events, so it waits longest for that answer, and is not started without time for it.
    const resend = part[0]!.w.unconfirmed === true;
    if (resend && !run.hasTimeFor(run.deps.resendTimeoutMs ?? 0)) {
      for (const { w } of part)
        w.outcome = { status: 'retry', reason: 'events: not re-sent, too little of the run left to wait for the answer', delaySeconds: UNCONFIRMED_RETRY_S };
      return;
    }
    const client = resend ? run.resend : run.patient;
    const marker = withUnanswered(IN_FLIGHT, resend ? 2 : 1);
    // A re-send that a dying worker leaves unanswered: its next send is due an hour after the wait.
    const dueIfDied = resend ? run.now() + (run.deps.resendTimeoutMs ?? 0) + UNANSWERED_TWICE_WAIT_S * 1000 : null;
    await run.settle(
      part,
      async (xs) => {
        // Recorded before it goes: a worker that dies waiting leaves these rows marked unanswered.
        await markInFlight(
          run.db,
          xs.map((x) => x.w.id),
          marker,
          run.now(),
          dueIfDied,
        );
        return client.batchAddEvents(xs.map((x) => x.item));
      },
      async (xs, value) => {
        const refused = new Set(value.failed.map((f) => f.trim().toLowerCase()));
        const delivered: { item: WorkItem }[] = [];
        for (const { w } of xs) {
          const name = refName(w.ref);
          if (refused.has(name.toLowerCase())) {
            w.outcome = { status: 'failed', reason: `${REFUSED_PREFIX}SALESmanago did not create the event: ${name} is in failedContacts`, refused: true };
          } else delivered.push({ item: w });
        }
        await run.delivered(delivered);
      },
      (xs, err, ambiguous) => {
        for (const { w } of xs) w.outcome = run.failure(err, w, 'events', ambiguous);
      },
      { idempotent: false },
    );
  });
}
