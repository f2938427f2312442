// Table deliveries (migrations/0001_ledger.sql and later): the rows themselves. A row is written by the
// request side as it accepts (insertRow), by the consumer for a message that reached the queue without
// one (insertMissing), and updated with every outcome; the selections other parts of the folder share.
// delivery/state.ts names the statuses and reason kinds stored here (ARCHITECTURE.md "A delivery row's states").
import { itemsOf, type ItemMessage, type QueueMessage } from '../../queue/messages.ts';
import { partsStep, runParts, together, type Step } from '../parts.ts';
import type { StoredReason, StoredReasonKind } from '../reason-kinds.ts';
import type { D1Reader } from '../sessions.ts';

/**
 * A reason as stored: last_error (words) and reason_kind (what the code selects by, one of the kinds of
 * ledger/reason-kinds.ts), always written together. The ledger stores what it is given.
 */
export type Reason = StoredReason;

export interface LedgerRow {
  id: string;
  type: string;
  source: 'browser' | 'shop';
  contact: string | null;
  visitorId: string | null;
  payload: string;
  acceptedAt: number;
}

/** The row of one item; its payload is the item's own message (one event or contact), not the queue message's. */
export function ledgerRow(message: ItemMessage, payload: string): LedgerRow {
  switch (message.kind) {
    case 'event': {
      const e = message.event;
      return {
        id: e.id,
        type: e.type,
        source: e.source,
        contact: e.email ?? e.contactId ?? null,
        visitorId: e.visitorId ?? null,
        payload,
        acceptedAt: e.receivedAt,
      };
    }
    case 'contact':
      return {
        id: message.contact.id,
        type: 'contact',
        source: 'shop',
        contact: message.contact.email,
        visitorId: null,
        payload,
        acceptedAt: message.contact.receivedAt,
      };
    case 'consent-webhook':
      // Sent by the callback route (consent/webhook.ts) straight onto the queue, with no row written
      // there: this row is written by the consumer when it first sees the message, or by the
      // dead-letter handler (delivery/consumer.ts, delivery/dead-letters.ts). 'shop' is where the
      // change goes; the setup page's figures leave these rows out.
      return {
        id: message.change.id,
        type: 'consent-webhook',
        source: 'shop',
        contact: message.change.email,
        visitorId: null,
        payload,
        acceptedAt: message.change.changedAt,
      };
  }
}

/** The rows a queue message (of one or several items) stands for. */
export function ledgerRows(message: QueueMessage): LedgerRow[] {
  return itemsOf(message).map((item) => ledgerRow(item, JSON.stringify(item)));
}

/** INSERT OR IGNORE: a row that already exists (same id) is left untouched and reports 0 changes. */
export function insertRow(db: D1Database, row: LedgerRow, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO deliveries (id, type, source, contact, visitor_id, status, attempts, accepted_at, updated_at, payload)
       VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?)`,
    )
    .bind(row.id, row.type, row.source, row.contact, row.visitorId, row.acceptedAt, now, row.payload);
}

/**
 * Writes the rows in one D1 batch (one transaction), with `alongside` statements run in the same batch
 * (a platform delivery's own record). Answers, per row, whether it is new (false: a duplicate id), and
 * the results of the statements alongside.
 */
export async function insertRows(
  db: D1Database,
  rows: readonly LedgerRow[],
  now: number,
  alongside: readonly D1PreparedStatement[] = [],
): Promise<{ inserted: boolean[]; alongside: D1Result[] }> {
  const results = await db.batch([...rows.map((row) => insertRow(db, row, now)), ...alongside]);
  return { inserted: rows.map((_, i) => (results[i]?.meta.changes ?? 0) > 0), alongside: results.slice(rows.length) };
}

/** Rows whose queue send failed: 'failed' with the reason, so POST /admin/replay sends them again. */
export async function markQueueFailure(db: D1Database, ids: readonly string[], reason: Reason, now: number): Promise<void> {
  // The ids travel as one JSON parameter: D1 bounds the parameters of a statement (100).
  await db
    .prepare(
      `UPDATE deliveries SET status = 'failed', last_error = ?1, reason_kind = ?4, updated_at = ?2
       WHERE id IN (SELECT value FROM json_each(?3)) AND status = 'queued'`,
    )
    .bind(reason.text, now, JSON.stringify(ids), reason.kind)
    .run();
}

/** The column's values (ARCHITECTURE.md "A delivery row's states"). */
export type LedgerStatus = 'queued' | 'delivered' | 'held' | 'failed' | 'dead' | 'expired';

export interface RowState {
  status: LedgerStatus;
  attempts: number;
  lastError: string | null;
  /** The event's contact upsert was confirmed on an earlier attempt. */
  contactDone: boolean;
  /** Unix ms before which its next attempt is not due (a retry's delay), if recorded. */
  nextAttemptAt: number | null;
}

/** A final or interim outcome written back to a row (delivered rows are written by markDelivered). */
export interface RowOutcome {
  id: string;
  status: Exclude<LedgerStatus, 'delivered'>;
  error?: string | null;
  /** The kind of `error` (null or absent: none, or an ordinary retry's). */
  kind?: StoredReasonKind | null;
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

export function loadStatesStep(db: D1Database, idList: readonly string[]): Step<Map<string, RowState>> {
  const select = db.prepare(
    'SELECT id, status, attempts, last_error, contact_done_at, next_attempt_at FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))',
  );
  type Row = { id: string; status: LedgerStatus; attempts: number; last_error: string | null; contact_done_at: number | null; next_attempt_at: number | null };
  return partsStep(
    idList,
    (json) => select.bind(json),
    (results) => {
      const out = new Map<string, RowState>();
      for (const { results: rows } of results) {
        for (const r of rows as Row[]) {
          out.set(r.id, {
            status: r.status,
            attempts: r.attempts,
            lastError: r.last_error,
            contactDone: r.contact_done_at !== null,
            nextAttemptAt: r.next_attempt_at,
          });
        }
      }
      return out;
    },
  );
}

/** Rows the request side did not write: every beacon of POST /e (queue-first), or a message enqueued
 *  by other code. Recorded as queued, accepted_at = the item's receive time. Each step below has a
 *  plain function too, for callers with nothing to send with it (an empty list makes no call). */
export function insertMissingStep(db: D1Database, rows: readonly LedgerRow[], now: number): Step<void> {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO deliveries (id, type, source, contact, visitor_id, status, attempts, accepted_at, updated_at, payload)
       SELECT json_extract(value, '$.id'), json_extract(value, '$.type'), json_extract(value, '$.source'),
              json_extract(value, '$.contact'), json_extract(value, '$.visitorId'), 'queued', 0,
              json_extract(value, '$.acceptedAt'), ?2, json_extract(value, '$.payload')
       FROM json_each(?1)`,
  );
  return partsStep(rows, (json) => insert.bind(json, now));
}

export async function insertMissing(db: D1Database, rows: readonly LedgerRow[], now: number): Promise<void> {
  await together(db, insertMissingStep(db, rows, now));
}

export function startAttemptStep(db: D1Database, idList: readonly string[], now: number): Step<void> {
  const update = db.prepare('UPDATE deliveries SET attempts = attempts + 1, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))');
  return partsStep(idList, (json) => update.bind(json, now));
}

export async function startAttempt(db: D1Database, idList: readonly string[], now: number): Promise<void> {
  await together(db, startAttemptStep(db, idList, now));
}

/**
 * Written just before an event add is sent (delivery/events.ts): the reason an unanswered add leaves.
 * The add's outcome overwrites it; a worker that dies before that leaves it, so that the rows of an
 * add in flight are re-sent as unanswered ones after a restart, not as untried ones.
 */
export async function markInFlight(db: D1Database, idList: readonly string[], reason: string, now: number, nextAttemptAt: number | null = null): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare(
    `UPDATE deliveries SET last_error = ?2, reason_kind = NULL, updated_at = ?3, next_attempt_at = COALESCE(?4, next_attempt_at)
     WHERE id IN (SELECT value FROM json_each(?1)) AND status NOT IN ('delivered', 'expired')`,
  );
  await runParts(db, idList, (json) => update.bind(json, reason, now, nextAttemptAt));
}

/** Written right after SALESmanago confirmed a chunk, before anything else can fail (delivery/run.ts gathers them). */
export function markDeliveredStep(db: D1Database, rows: readonly DeliveredRow[], now: number): Step<void> {
  const update = db.prepare(
    `UPDATE deliveries SET status = 'delivered', last_error = NULL, reason_kind = NULL, next_attempt_at = NULL,
              contact = json_extract(j.value, '$.contact'),
              sm_event_id = COALESCE(json_extract(j.value, '$.smEventId'), deliveries.sm_event_id),
              updated_at = ?2
       FROM json_each(?1) AS j WHERE deliveries.id = json_extract(j.value, '$.id')`,
  );
  return partsStep(rows, (json) => update.bind(json, now));
}

export async function markDelivered(db: D1Database, rows: readonly DeliveredRow[], now: number): Promise<void> {
  await together(db, markDeliveredStep(db, rows, now));
}

/** Every other outcome. A delivered row is never downgraded (a late duplicate cannot undo it). */
export function recordOutcomesStep(db: D1Database, rows: readonly RowOutcome[], now: number): Step<void> {
  const update = db.prepare(
    `UPDATE deliveries SET status = json_extract(j.value, '$.status'),
              last_error = json_extract(j.value, '$.error'),
              reason_kind = json_extract(j.value, '$.kind'),
              contact = COALESCE(json_extract(j.value, '$.contact'), deliveries.contact),
              visitor_id = COALESCE(json_extract(j.value, '$.visitorId'), deliveries.visitor_id),
              next_attempt_at = json_extract(j.value, '$.nextAttemptAt'),
              updated_at = ?2
       FROM json_each(?1) AS j
       WHERE deliveries.id = json_extract(j.value, '$.id') AND deliveries.status NOT IN ('delivered', 'expired')`,
  );
  return partsStep(rows, (json) => update.bind(json, now));
}

export async function recordOutcomes(db: D1Database, rows: readonly RowOutcome[], now: number): Promise<void> {
  await together(db, recordOutcomesStep(db, rows, now));
}

/** The contact upserts of these rows' events are confirmed: a retry of the event skips them. */
export function markContactDoneStep(db: D1Database, idList: readonly string[], now: number): Step<void> {
  const update = db.prepare('UPDATE deliveries SET contact_done_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND contact_done_at IS NULL');
  return partsStep(idList, (json) => update.bind(json, now));
}

/**
 * Rows still queued when their message ran out of retries (the dead-letter consumer): `exhausted`, in
 * front of the row's last reason unless that is of the same kind already.
 */
export async function markDead(db: D1Database, idList: readonly string[], exhausted: Reason, now: number): Promise<void> {
  if (idList.length === 0) return;
  const update = db.prepare(
    `UPDATE deliveries SET status = 'dead', updated_at = ?2, reason_kind = ?3,
            last_error = CASE WHEN reason_kind IS ?3 THEN last_error
                              ELSE ?4 || COALESCE(': ' || last_error, '') END
     WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'queued'`,
  );
  await runParts(db, idList, (json) => update.bind(json, now, exhausted.kind, exhausted.text));
}

/**
 * Carts for which the ledger already holds a newer cart change with known contents of the same
 * visitor (queued, held or delivered): sending them would cost a call, or worse, overwrite the newer
 * state with an older one. Newer as cartOrder (delivery/carts.ts) says, read from the rows' payloads, so a beacon that
 * arrives late (a retry, out of order) never wins over a newer one already accepted.
 */
export async function supersededCarts(db: D1Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare(
      `SELECT d.id FROM deliveries AS d
       WHERE d.id IN (SELECT value FROM json_each(?1)) AND d.visitor_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM deliveries AS n
         WHERE n.visitor_id = d.visitor_id AND n.status IN ('queued', 'held', 'delivered')
           AND n.type = 'cart' AND n.id <> d.id AND json_type(n.payload, '$.event.products') = 'array'
           AND (json_extract(n.payload, '$.event.occurredAt'), coalesce(json_extract(n.payload, '$.event.seq'), 0), n.accepted_at, n.id)
             > (json_extract(d.payload, '$.event.occurredAt'), coalesce(json_extract(d.payload, '$.event.seq'), 0), d.accepted_at, d.id))`,
    )
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

export interface PayloadRow {
  id: string;
  payload: string | null;
}

/** Rows of this status whose reason is of this kind. */
export async function countOfKind(db: D1Database, status: LedgerStatus, kind: StoredReasonKind): Promise<number> {
  const row = await db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = ?1 AND reason_kind = ?2`).bind(status, kind).first<{ n: number }>();
  return row?.n ?? 0;
}

/** The stored rows of these ids (any status). */
export async function storedRows(db: D1Database, idList: readonly string[]): Promise<PayloadRow[]> {
  if (idList.length === 0) return [];
  const select = db.prepare('SELECT id, payload FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))');
  return (await runParts<PayloadRow>(db, idList, (json) => select.bind(json))).flatMap((r) => r.results);
}

/** Which of these ids have a row here. */
export async function knownIds(db: D1Reader, idList: readonly string[]): Promise<Set<string>> {
  if (idList.length === 0) return new Set();
  const select = db.prepare('SELECT id FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))');
  const results = await runParts<{ id: string }>(db, idList, (json) => select.bind(json));
  return new Set(results.flatMap((r) => r.results.map((row) => row.id)));
}
