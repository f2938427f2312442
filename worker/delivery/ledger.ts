// The delivery ledger (table `deliveries`): one row per accepted event or contact. Lists of rows
// travel as one JSON parameter (json_each), so a statement never hits D1's bound-parameter limit
// and a whole chunk is written in one query. Rows are shaped by the request side's ledgerRow().
// A consumer batch can hold thousands of items, so long lists are split into several statements
// (bounded in rows and bytes), each sent on its own so that request-path writes interleave.
import { chunk } from '../queue/send.ts';
import type { LedgerRow } from '../ingest/ledger.ts';

// Bounded so that one consumer statement holds D1's single writer briefly: the request path's ledger
// and signature writes wait behind it (issue 13, "independence"; README "Performance").
const ROWS_PER_STATEMENT = 250;
const JSON_BYTES_PER_STATEMENT = 500_000;
// One statement per call: a db.batch is one transaction and would hold the writer for all its parts.
const STATEMENTS_PER_BATCH = 1;

/** The list as JSON arrays small enough for one statement's parameter each. */
function jsonParts(list: readonly unknown[]): string[] {
  return chunk(list, (x) => JSON.stringify(x).length + 1, ROWS_PER_STATEMENT, JSON_BYTES_PER_STATEMENT).map((part) => JSON.stringify(part));
}

/** One statement per part of the list, sent in as few db.batch calls as allowed. */
async function runParts<T = unknown>(
  db: D1Database,
  list: readonly unknown[],
  statement: (json: string) => D1PreparedStatement,
): Promise<D1Result<T>[]> {
  const statements = jsonParts(list).map(statement);
  const out: D1Result<T>[] = [];
  for (let start = 0; start < statements.length; start += STATEMENTS_PER_BATCH) {
    const part = statements.slice(start, start + STATEMENTS_PER_BATCH);
    // A single statement goes as a plain query; several as one batch (one round trip, one transaction).
    out.push(...(part.length === 1 ? [await part[0]!.all<T>()] : await db.batch<T>(part)));
  }
  return out;
}

export type LedgerStatus = 'queued' | 'delivered' | 'held' | 'failed' | 'dead' | 'expired';

export interface RowState {
  status: LedgerStatus;
  attempts: number;
  lastError: string | null;
  /** The event's contact upsert was confirmed on an earlier attempt. */
  contactDone: boolean;
}

/** A final or interim outcome written back to a row (delivered rows are written by markDelivered). */
export interface RowOutcome {
  id: string;
  status: Exclude<LedgerStatus, 'delivered'>;
  error?: string | null;
  contact?: string | null;
  visitorId?: string | null;
  /** Unix ms of the next attempt of a row left 'queued' (a retry). */
  nextAttemptAt?: number | null;
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
  const select = db.prepare(
    'SELECT id, status, attempts, last_error, contact_done_at FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))',
  );
  type Row = { id: string; status: LedgerStatus; attempts: number; last_error: string | null; contact_done_at: number | null };
  const results = await runParts<Row>(db, idList, (json) => select.bind(json));
  for (const { results: rows } of results) {
    for (const r of rows) out.set(r.id, { status: r.status, attempts: r.attempts, lastError: r.last_error, contactDone: r.contact_done_at !== null });
  }
  return out;
}

/** Rows the request side did not write: every beacon of POST /e (queue-first), or a message enqueued
 *  by other code. Recorded as queued, accepted_at = the item's receive time. */
export async function insertMissing(db: D1Database, rows: readonly LedgerRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  const insert = db.prepare(
      `INSERT OR IGNORE INTO deliveries (id, type, source, contact, visitor_id, status, attempts, accepted_at, updated_at, payload)
       SELECT json_extract(value, '$.id'), json_extract(value, '$.type'), json_extract(value, '$.source'),
              json_extract(value, '$.contact'), json_extract(value, '$.visitorId'), 'queued', 0,
              json_extract(value, '$.acceptedAt'), ?2, json_extract(value, '$.payload')
       FROM json_each(?1)`,
    );
  await runParts(db, rows, (json) => insert.bind(json, now));
}

export async function startAttempt(db: D1Database, idList: readonly string[], now: number): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare('UPDATE deliveries SET attempts = attempts + 1, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))');
  await runParts(db, idList, (json) => update.bind(json, now));
}

/** Written right after SALESmanago confirmed a chunk, before anything else can fail. */
export async function markDelivered(db: D1Database, rows: readonly DeliveredRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  const update = db.prepare(
      `UPDATE deliveries SET status = 'delivered', last_error = NULL, next_attempt_at = NULL,
              contact = json_extract(j.value, '$.contact'),
              sm_event_id = COALESCE(json_extract(j.value, '$.smEventId'), deliveries.sm_event_id),
              updated_at = ?2
       FROM json_each(?1) AS j WHERE deliveries.id = json_extract(j.value, '$.id')`,
    );
  await runParts(db, rows, (json) => update.bind(json, now));
}

/** Every other outcome. A delivered row is never downgraded (a late duplicate cannot undo it). */
export async function recordOutcomes(db: D1Database, rows: readonly RowOutcome[], now: number): Promise<void> {
  if (rows.length === 0) return;
  const update = db.prepare(
      `UPDATE deliveries SET status = json_extract(j.value, '$.status'),
              last_error = json_extract(j.value, '$.error'),
              contact = COALESCE(json_extract(j.value, '$.contact'), deliveries.contact),
              visitor_id = COALESCE(json_extract(j.value, '$.visitorId'), deliveries.visitor_id),
              next_attempt_at = json_extract(j.value, '$.nextAttemptAt'),
              updated_at = ?2
       FROM json_each(?1) AS j
       WHERE deliveries.id = json_extract(j.value, '$.id') AND deliveries.status NOT IN ('delivered', 'expired')`,
    );
  await runParts(db, rows, (json) => update.bind(json, now));
}

/** The contact upserts of these rows' events are confirmed: a retry of the event skips them. */
export async function markContactDone(db: D1Database, idList: readonly string[], now: number): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare('UPDATE deliveries SET contact_done_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND contact_done_at IS NULL');
  await runParts(db, idList, (json) => update.bind(json, now));
}

/** Rows still queued when their message ran out of retries (the dead-letter consumer). */
export async function markDead(db: D1Database, idList: readonly string[], now: number): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare(
    `UPDATE deliveries SET status = 'dead', updated_at = ?2,
            last_error = CASE WHEN last_error LIKE 'retries exhausted%' THEN last_error
                              ELSE 'retries exhausted' || COALESCE(': ' || last_error, '') END
     WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'queued'`,
  );
  await runParts(db, idList, (json) => update.bind(json, now));
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
