// Table deliveries: the selections for the paths that put stored rows back on the queue (replay, the
// hourly reconciliation and sweep; a settings save and the accumulator are held.ts's). Each reads the
// payload; the caller parses it (ledger/payloads.ts) and sends, then marks the rows it sent.
import type { PayloadRow } from './rows.ts';
import type { StoredReasonKind } from '../reason-kinds.ts';
import { runParts } from '../parts.ts';

/** Rows of these statuses that a replay would send: failed ones not of kind ?4, and queued ones only when overdue. */
const REPLAYABLE_WHERE = `status IN (SELECT value FROM json_each(?1))
  AND NOT (status = 'failed' AND reason_kind IS ?4)
  AND NOT (status = 'queued' AND COALESCE(next_attempt_at, updated_at) > ?2)`;

export async function replayableRows<S extends string>(
  db: D1Database,
  statuses: readonly S[],
  dueBefore: number,
  limit: number,
  leaveFailedOfKind: StoredReasonKind,
): Promise<(PayloadRow & { status: S })[]> {
  const { results } = await db
    .prepare(`SELECT id, status, payload FROM deliveries WHERE ${REPLAYABLE_WHERE} ORDER BY updated_at, id LIMIT ?3`)
    .bind(JSON.stringify(statuses), dueBefore, limit, leaveFailedOfKind)
    .all<PayloadRow & { status: S }>();
  return results;
}

export async function countReplayable(db: D1Database, statuses: readonly string[], dueBefore: number, leaveFailedOfKind: StoredReasonKind): Promise<number> {
  // ?3 is the LIMIT of replayableRows, unused here.
  const row = await db
    .prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE ${REPLAYABLE_WHERE}`)
    .bind(JSON.stringify(statuses), dueBefore, null, leaveFailedOfKind)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Replayed rows are queued again: failed and dead ones with a fresh budget of attempts; next_attempt_at
 * = now keeps the hourly reconciliation from sending a queued one again while its new message waits.
 */
export async function markReplayed(db: D1Database, idList: readonly string[], now: number): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare(
    `UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, updated_at = ?2,
            attempts = CASE WHEN status = 'queued' THEN attempts ELSE 0 END
     WHERE id IN (SELECT value FROM json_each(?1)) AND status IN ('failed', 'dead', 'queued')`,
  );
  await runParts(db, idList, (json) => update.bind(json, now));
}

/** Held rows whose visitor is identified by now (the hourly sweep), oldest first. */
export async function heldOfIdentified(db: D1Database, limit: number): Promise<PayloadRow[]> {
  const { results } = await db
    .prepare(
      `SELECT d.id, d.payload FROM deliveries AS d JOIN visitor_links AS l ON l.visitor_id = d.visitor_id
       WHERE d.status = 'held' AND (l.email IS NOT NULL OR l.contact_id IS NOT NULL)
       ORDER BY d.accepted_at LIMIT ?1`,
    )
    .bind(limit)
    .all<PayloadRow>();
  return results;
}

/** Held rows put back on the queue. */
export async function markReleased(db: D1Database, idList: readonly string[], now: number): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare(`UPDATE deliveries SET status = 'queued', updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'held'`);
  await runParts(db, idList, (json) => update.bind(json, now));
}
