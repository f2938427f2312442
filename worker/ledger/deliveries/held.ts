// Table deliveries: held rows (anonymous visitors' events, delivery/visitors.ts) and queued rows waiting
// with a reason of a kind: parked by the accumulator (delivery/accumulator.ts), or waiting for the
// SALESmanago configuration (settings/release.ts).
import type { PayloadRow, Reason } from './rows.ts';
import type { StoredReasonKind } from '../reason-kinds.ts';
import { runParts, type Step } from '../parts.ts';

/** Ids joined the way the SQL below expects them. */
function ids(list: readonly string[]): string {
  return JSON.stringify(list);
}

/** Keeps the newest `keep` held events of each visitor; older ones expire with the reason. */
export function expireOverflowStep(db: D1Database, visitorIds: readonly string[], keep: number, reason: Reason, now: number): Step<void> {
  const statements =
    visitorIds.length === 0
      ? []
      : [
          db
            .prepare(
              `UPDATE deliveries SET status = 'expired', updated_at = ?2, reason_kind = ?4, last_error = ?3
               WHERE id IN (
                 SELECT id FROM (
                   SELECT id, ROW_NUMBER() OVER (PARTITION BY visitor_id ORDER BY accepted_at DESC, id DESC) AS n
                   FROM deliveries
                   WHERE status = 'held' AND visitor_id IN (SELECT value FROM json_each(?1))
                 ) WHERE n > ?5
               )`,
            )
            .bind(ids(visitorIds), now, reason.text, reason.kind, keep),
        ];
  return { statements, read: () => undefined };
}

/** Held events accepted before `before` expire with the reason (scheduled). Answers how many. */
export async function expireOldHeld(db: D1Database, before: number, reason: Reason, now: number): Promise<number> {
  const res = await db
    .prepare(
      `UPDATE deliveries SET status = 'expired', updated_at = ?1, reason_kind = ?4, last_error = ?3
       WHERE status = 'held' AND accepted_at < ?2`,
    )
    .bind(now, before, reason.text, reason.kind)
    .run();
  return res.meta.changes ?? 0;
}

export interface HeldRow {
  id: string;
  visitorId: string;
  attempts: number;
  payload: string;
}

/**
 * Held events of those of these visitors who are identified (linked to an e-mail or a contactId),
 * oldest first. Joined with visitor_links as the hourly sweep is (replay.ts heldOfIdentified), so that it
 * goes in the same round trip as the batch's link writes and reads (delivery/visitors.ts).
 */
export function heldOfIdentifiedStep(db: D1Database, visitorIds: readonly string[], limit = 1000): Step<HeldRow[]> {
  const statements =
    visitorIds.length === 0
      ? []
      : [
          db
            .prepare(
              `SELECT d.id, d.visitor_id AS visitorId, d.attempts, d.payload FROM deliveries AS d
               JOIN visitor_links AS l ON l.visitor_id = d.visitor_id
               WHERE d.status = 'held' AND d.visitor_id IN (SELECT value FROM json_each(?1))
                 AND (l.email IS NOT NULL OR l.contact_id IS NOT NULL)
               ORDER BY d.accepted_at, d.id LIMIT ?2`,
            )
            .bind(ids(visitorIds), limit),
        ];
  return { statements, read: (results) => (results[0]?.results ?? []) as HeldRow[] };
}

/** Queued rows waiting with a reason of this kind (e.g. SALESmanago not configured), oldest first. */
export async function queuedOfKind(db: D1Database, kind: StoredReasonKind, limit: number): Promise<PayloadRow[]> {
  const { results } = await db
    .prepare(`SELECT id, payload FROM deliveries WHERE status = 'queued' AND reason_kind = ?1 ORDER BY accepted_at LIMIT ?2`)
    .bind(kind, limit)
    .all<PayloadRow>();
  return results;
}

/** Queued rows sent again: their waiting reason is cleared. */
export async function clearReason(db: D1Database, idList: readonly string[], now: number): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare(
    `UPDATE deliveries SET last_error = NULL, reason_kind = NULL, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'queued'`,
  );
  await runParts(db, idList, (json) => update.bind(json, now));
}

// The accumulator (delivery/accumulator.ts): parked rows are queued rows waiting with a reason of their
// kind, each marked with the delivery shard that parked it (column shard, migration 0170), since each
// shard's consumer flushes only its own.

/** How many queued rows of this kind the shard has waiting. */
export async function waitingCount(db: D1Database, kind: StoredReasonKind, shard: number): Promise<number> {
  const row = await db
    .prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'queued' AND reason_kind = ?1 AND shard = ?2")
    .bind(kind, shard)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** When the shard's earliest queued row of this kind is due (unix ms), or null when there is none. */
export async function queuedDueAt(db: D1Database, kind: StoredReasonKind, shard: number): Promise<number | null> {
  const row = await db
    .prepare("SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE status = 'queued' AND reason_kind = ?1 AND shard = ?2")
    .bind(kind, shard)
    .first<{ due: number | null }>();
  return row?.due ?? null;
}

/** Queued rows wait with this reason until `dueAt`, on this shard. */
export async function markWaiting(db: D1Database, idList: readonly string[], reason: Reason, dueAt: number, now: number, shard: number): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare(
    `UPDATE deliveries SET last_error = ?2, reason_kind = ?5, next_attempt_at = ?3, updated_at = ?4, shard = ?6
     WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'queued'`,
  );
  await runParts(db, idList, (json) => update.bind(json, reason.text, dueAt, now, reason.kind, shard));
}

/** The shard's queued rows of this kind with their attempts, oldest first. */
export async function queuedRowsOfKind(db: D1Database, kind: StoredReasonKind, limit: number, shard: number): Promise<(PayloadRow & { attempts: number })[]> {
  const { results } = await db
    .prepare("SELECT id, attempts, payload FROM deliveries WHERE status = 'queued' AND reason_kind = ?1 AND shard = ?3 ORDER BY accepted_at LIMIT ?2")
    .bind(kind, limit, shard)
    .all<PayloadRow & { attempts: number }>();
  return results;
}
