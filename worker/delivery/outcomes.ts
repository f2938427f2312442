// The last stage of a delivery run (delivery/deliver.ts): every outcome that is not "delivered" (those
// are written as each call is confirmed) goes to the ledger in one go; a retry past the item's budget
// becomes dead; released held events to retry go back on the queue, packed by delay. The outcomes and
// the expiry of held events past the per-visitor bound go in one round trip.
import { recordOutcomesStep, type RowOutcome } from '../ledger/deliveries/rows.ts';
import { expireOverflowStep } from '../ledger/deliveries/held.ts';
import { together } from '../ledger/parts.ts';
import { packMessages } from '../queue/send.ts';
import type { ItemMessage } from '../queue/messages.ts';
import { logError } from '../log.ts';
import type { DeliveryRun } from './run.ts';
import { EXHAUSTED_REASON, HELD_OVERFLOW_REASON, HELD_PER_VISITOR, type ReasonKind } from './state.ts';
import { MAX_ATTEMPTS, refName, unansweredLevel, unansweredOf, withUnanswered, type Unanswered, type WorkItem } from './work.ts';

/** Held, failed and retried outcomes; released events to retry go back on the queue. */
export async function recordRest(run: DeliveryRun, all: WorkItem[]): Promise<void> {
  const rows: RowOutcome[] = [];
  const requeue: { item: WorkItem; body: ItemMessage; delaySeconds: number; reason: string }[] = [];
  const heldVisitors = new Set<string>();
  const now = run.now();
  for (const item of all) {
    let o = item.outcome;
    if (!o) continue;
    if (o.status === 'retry' && o.reason) {
      // Once unconfirmed, always (SALESmanago may still hold that first add), and never less so.
      const level = Math.max(unansweredOf(o.reason), unansweredLevel(item)) as Unanswered;
      const reason = withUnanswered(o.reason, level);
      o = item.attempt >= MAX_ATTEMPTS ? { status: 'dead', reason: `${EXHAUSTED_REASON.text} after ${item.attempt} attempts: ${reason}` } : { ...o, reason };
      item.outcome = o;
    }
    if (o.status === 'held') {
      rows.push({ id: item.id, status: 'held', error: null, visitorId: item.event?.visitorId ?? null });
      if (item.event?.visitorId) heldVisitors.add(item.event.visitorId);
    } else if (o.status === 'failed') {
      rows.push({
        id: item.id,
        status: 'failed',
        error: o.reason,
        kind: o.refused ? ('refused' satisfies ReasonKind) : null,
        contact: item.ref ? refName(item.ref) : null,
      });
    } else if (o.status === 'dead') {
      rows.push({ id: item.id, status: 'dead', error: o.reason, kind: EXHAUSTED_REASON.kind });
    } else if (o.status === 'retry') {
      if (item.released) requeue.push({ item, body: item.released.payload, delaySeconds: o.delaySeconds, reason: o.reason });
      else rows.push({ id: item.id, status: 'queued', error: o.reason || null, nextAttemptAt: now + o.delaySeconds * 1000 });
    }
  }
  if (requeue.length > 0) {
    let requeued = true;
    try {
      // Packed several to a message, by delay (a message has one delay).
      const byDelay = new Map<number, ItemMessage[]>();
      for (const r of requeue) {
        const list = byDelay.get(r.delaySeconds);
        if (list) list.push(r.body);
        else byDelay.set(r.delaySeconds, [r.body]);
      }
      await run.deps.requeue([...byDelay].flatMap(([delaySeconds, bodies]) => packMessages(bodies).map((p) => ({ body: p.message, delaySeconds }))));
    } catch (err) {
      // Still held: the next event of the visitor or the hourly sweep releases them again.
      logError('could not requeue released held events', { count: requeue.length }, err);
      requeued = false;
    }
    for (const r of requeue) {
      rows.push(
        requeued
          ? { id: r.item.id, status: 'queued', error: r.reason, nextAttemptAt: now + r.delaySeconds * 1000 }
          : { id: r.item.id, status: 'held', error: r.reason },
      );
    }
  }
  await together(run.db, recordOutcomesStep(run.db, rows, now), expireOverflowStep(run.db, [...heldVisitors], HELD_PER_VISITOR, HELD_OVERFLOW_REASON, now));
}
