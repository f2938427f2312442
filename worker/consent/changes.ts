// The consent changes log that the shop polls (GET /api/v1/consents?since=...), in D1: table
// consent_changes (migration 0011), one row per change from SALESmanago, with a monotonic sequence
// number `seq` as the cursor. Strongly consistent and immediate: D1 has a single writer, seq comes
// from AUTOINCREMENT inside the writing transaction, so a change is in the feed the moment its
// callback is answered, and a reader that sees seq n has every change before n (never skipped).
// (The log used to be KV keys, listed by prefix: KV listing is eventually consistent, so the feed had
// to hold back changes younger than 60 s.) Each contact's current status stays in KV (store.ts).
//
// "Later wins" and "same status is no change" are decided in the same transaction as the append,
// against consent_latest: two callbacks for one address at once cannot both be logged out of order.
//
// Cursor: the decimal seq of the last change the shop has seen. A cursor of the former KV log (a
// 13-digit time, optionally ":<16 hex>") still works: it means "everything recorded before this time
// has been seen".

export const CHANGE_TTL_S = 90 * 24 * 3600;
const SEQ_CURSOR = /^\d{1,12}$/;
const TIME_CURSOR = /^(\d{13})(:[0-9a-f]{16})?$/;

export type ConsentStatus = 'opt-in' | 'opt-out';

export interface ConsentChange {
  email: string;
  status: ConsentStatus;
  changedAt: number;
  source: string;
}

export interface LoggedChange extends ConsentChange {
  id: string;
}

export function isCursor(value: string): boolean {
  return SEQ_CURSOR.test(value) || TIME_CURSOR.test(value);
}

export type AppendOutcome = { logged: true; id: string } | { logged: false; outcome: 'stale' | 'unchanged' };

/**
 * Appends a change unless the log already holds a later change of the address, or the same status.
 * `now` is when it is recorded. One D1 batch (one transaction): the decision and the append.
 */
export async function appendChange(db: D1Database, change: ConsentChange, now: number): Promise<AppendOutcome> {
  const email = change.email.trim().toLowerCase();
  const [, appended, latest] = await db.batch<{ seq?: number; status?: string; changed_at?: number }>([
    db
      .prepare(
        `INSERT INTO consent_latest (email, status, changed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (email) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at
         WHERE excluded.changed_at >= consent_latest.changed_at AND excluded.status <> consent_latest.status`,
      )
      .bind(email, change.status, change.changedAt),
    // changes(): rows the statement before changed (0 when the upsert's WHERE kept the old row).
    db
      .prepare(
        `INSERT INTO consent_changes (email, status, changed_at, source, recorded_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE changes() > 0 RETURNING seq`,
      )
      .bind(email, change.status, change.changedAt, change.source, now),
    db.prepare('SELECT status, changed_at FROM consent_latest WHERE email = ?1').bind(email),
  ]);
  const seq = appended?.results[0]?.seq;
  if (seq !== undefined) return { logged: true, id: String(seq) };
  const current = latest?.results[0];
  return { logged: false, outcome: current && (current.changed_at ?? 0) > change.changedAt ? 'stale' : 'unchanged' };
}

/** The status the log last decided on for an address (store.ts keeps KV in line with it). */
export async function latestLogged(db: D1Database, email: string): Promise<{ status: ConsentStatus; changedAt: number } | null> {
  const row = await db
    .prepare('SELECT status, changed_at FROM consent_latest WHERE email = ?1')
    .bind(email.trim().toLowerCase())
    .first<{ status: ConsentStatus; changed_at: number }>();
  return row ? { status: row.status, changedAt: row.changed_at } : null;
}

export interface ChangesPage {
  items: LoggedChange[];
  /** Pass back as `since` to get what follows. */
  next: string;
}

/** The seq a cursor stands for: a seq itself, or the last change recorded before a former time cursor. */
async function afterSeq(db: D1Database, since: string): Promise<number> {
  if (since === '') return 0;
  if (SEQ_CURSOR.test(since)) return Number(since);
  const time = TIME_CURSOR.exec(since);
  if (!time) return 0;
  const row = await db
    .prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM consent_changes WHERE recorded_at < ?1')
    .bind(Number(time[1]))
    .first<{ seq: number }>();
  return row?.seq ?? 0;
}

/** Changes after the cursor `since` (all when empty), oldest first, at most `limit`. */
export async function listChanges(db: D1Database, options: { since?: string; limit: number }): Promise<ChangesPage> {
  const after = await afterSeq(db, options.since ?? '');
  const { results } = await db
    .prepare(
      `SELECT seq, email, status, changed_at, source FROM consent_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2`,
    )
    .bind(after, options.limit)
    .all<{ seq: number; email: string; status: ConsentStatus; changed_at: number; source: string }>();
  const items = results.map((r) => ({ id: String(r.seq), email: r.email, status: r.status, changedAt: r.changed_at, source: r.source }));
  return { items, next: items.at(-1)?.id ?? String(after) };
}

/** Forgets changes older than 90 days (hourly). Answers how many. */
export async function pruneChanges(db: D1Database, now: number): Promise<number> {
  const res = await db.prepare('DELETE FROM consent_changes WHERE recorded_at < ?1').bind(now - CHANGE_TTL_S * 1000).run();
  return res.meta.changes ?? 0;
}
