// The delivery ledger (table `deliveries`): one row per accepted event or contact. Lists of rows
// travel as one JSON parameter (json_each), so a statement never hits D1's bound-parameter limit
// and a whole chunk is written in one query. Rows are shaped by the request side's ledgerRow().
import type { LedgerRow } from '../ingest/ledger.ts';

export type LedgerStatus = 'queued' | 'delivered' | 'held' | 'failed' | 'dead' | 'expired';

export interface RowState {
  status: LedgerStatus;
  attempts: number;
}

/** A final or interim outcome written back to a row (delivered rows are written by markDelivered). */
export interface RowOutcome {
  id: string;
  status: Exclude<LedgerStatus, 'delivered'>;
  error?: string | null;
  contact?: string | null;
  visitorId?: string | null;
}

export interface DeliveredRow {
  id: string;
  contact: string;
  smEventId?: string;
}

/** Ids joined the way the SQL below expects them. */
function ids(list: readonly string[]): string {
  return JSON.stringify(list);
}

export async function loadStates(db: D1Database, idList: readonly string[]): Promise<Map<string, RowState>> {
  const out = new Map<string, RowState>();
  if (idList.length === 0) return out;
  const { results } = await db
    .prepare('SELECT id, status, attempts FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))')
    .bind(ids(idList))
    .all<{ id: string; status: LedgerStatus; attempts: number }>();
  for (const r of results) out.set(r.id, { status: r.status, attempts: r.attempts });
  return out;
}

/** Rows the request side did not write (or a message enqueued by other code): recorded as queued. */
export async function insertMissing(db: D1Database, rows: readonly LedgerRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .prepare(
      `INSERT OR IGNORE INTO deliveries (id, type, source, contact, visitor_id, status, attempts, accepted_at, updated_at, payload)
       SELECT json_extract(value, '$.id'), json_extract(value, '$.type'), json_extract(value, '$.source'),
              json_extract(value, '$.contact'), json_extract(value, '$.visitorId'), 'queued', 0,
              json_extract(value, '$.acceptedAt'), ?2, json_extract(value, '$.payload')
       FROM json_each(?1)`,
    )
    .bind(JSON.stringify(rows), now)
    .run();
}

export async function startAttempt(db: D1Database, idList: readonly string[], now: number): Promise<void> {
  if (idList.length === 0) return;
  await db
    .prepare('UPDATE deliveries SET attempts = attempts + 1, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))')
    .bind(ids(idList), now)
    .run();
}

/** Written right after SALESmanago confirmed a chunk, before anything else can fail. */
export async function markDelivered(db: D1Database, rows: readonly DeliveredRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .prepare(
      `UPDATE deliveries SET status = 'delivered', last_error = NULL,
              contact = json_extract(j.value, '$.contact'),
              sm_event_id = COALESCE(json_extract(j.value, '$.smEventId'), deliveries.sm_event_id),
              updated_at = ?2
       FROM json_each(?1) AS j WHERE deliveries.id = json_extract(j.value, '$.id')`,
    )
    .bind(JSON.stringify(rows), now)
    .run();
}

/** Every other outcome. A delivered row is never downgraded (a late duplicate cannot undo it). */
export async function recordOutcomes(db: D1Database, rows: readonly RowOutcome[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .prepare(
      `UPDATE deliveries SET status = json_extract(j.value, '$.status'),
              last_error = json_extract(j.value, '$.error'),
              contact = COALESCE(json_extract(j.value, '$.contact'), deliveries.contact),
              visitor_id = COALESCE(json_extract(j.value, '$.visitorId'), deliveries.visitor_id),
              updated_at = ?2
       FROM json_each(?1) AS j
       WHERE deliveries.id = json_extract(j.value, '$.id') AND deliveries.status NOT IN ('delivered', 'expired')`,
    )
    .bind(JSON.stringify(rows), now)
    .run();
}

export const HELD_PER_VISITOR = 200;
export const HELD_FOR_MS = 30 * 24 * 3600 * 1000;

/** Keeps the newest 200 held events of each visitor; older ones expire with the reason. */
export async function expireOverflow(db: D1Database, visitorIds: readonly string[], now: number): Promise<void> {
  if (visitorIds.length === 0) return;
  await db
    .prepare(
      `UPDATE deliveries SET status = 'expired', updated_at = ?2,
              last_error = 'held: more than ${HELD_PER_VISITOR} events of this anonymous visitor, oldest dropped'
       WHERE id IN (
         SELECT id FROM (
           SELECT id, ROW_NUMBER() OVER (PARTITION BY visitor_id ORDER BY accepted_at DESC, id DESC) AS n
           FROM deliveries
           WHERE status = 'held' AND visitor_id IN (SELECT value FROM json_each(?1))
         ) WHERE n > ${HELD_PER_VISITOR}
       )`,
    )
    .bind(ids(visitorIds), now)
    .run();
}

/** Held events older than 30 days expire (scheduled). Answers how many. */
export async function expireOldHeld(db: D1Database, now: number): Promise<number> {
  const res = await db
    .prepare(
      `UPDATE deliveries SET status = 'expired', updated_at = ?1,
              last_error = 'held: the visitor was not identified within 30 days'
       WHERE status = 'held' AND accepted_at < ?2`,
    )
    .bind(now, now - HELD_FOR_MS)
    .run();
  return res.meta.changes ?? 0;
}

export interface HeldRow {
  id: string;
  visitorId: string;
  attempts: number;
  payload: string;
}

/** Held events of these visitors, oldest first. */
export async function heldOf(db: D1Database, visitorIds: readonly string[], limit = 1000): Promise<HeldRow[]> {
  if (visitorIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT id, visitor_id AS visitorId, attempts, payload FROM deliveries
       WHERE status = 'held' AND visitor_id IN (SELECT value FROM json_each(?1))
       ORDER BY accepted_at, id LIMIT ?2`,
    )
    .bind(ids(visitorIds), limit)
    .all<HeldRow>();
  return results;
}

/** The ledger's figures: rows per status (the setup page shows them). */
export async function countsByStatus(db: D1Database): Promise<Record<string, number>> {
  const { results } = await db
    .prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status')
    .all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}
