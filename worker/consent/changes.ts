// The consent changes log that the shop polls (GET /api/v1/consents?since=...), in D1: table
// consent_changes (migration 0011, ledger/consent-changes.ts), one row per change from SALESmanago,
// with a monotonic sequence number `seq` as the cursor. Strongly consistent and immediate: D1 has a
// single writer, seq comes from AUTOINCREMENT inside the writing transaction, so a change is in the
// feed the moment its callback is answered, and a reader that sees seq n has every change before n
// (never skipped). (The log used to be KV keys, listed by prefix: KV listing is eventually
// consistent, so the feed had to hold back changes younger than 60 s.) Each contact's current status
// stays in KV (store.ts).
//
// "Later wins" and "same status is no change" are decided in the same transaction as the append,
// against consent_latest: two callbacks for one address at once cannot both be logged out of order.
//
// Cursor: the decimal seq of the last change the shop has seen. A cursor of the former KV log (a
// 13-digit time, optionally ":<16 hex>") still works: it means "everything recorded before this time
// has been seen".
import {
  appendIfNewer,
  changesAfter,
  lastSeqBefore,
  latestChange,
  pruneConsentChanges,
  type StoredChange,
  type StoredLoggedChange,
} from '../ledger/consent-changes.ts';

export type ConsentStatus = 'opt-in' | 'opt-out';
export type ConsentChange = StoredChange<ConsentStatus>;
type LoggedChange = StoredLoggedChange<ConsentStatus>;

const CHANGE_TTL_S = 90 * 24 * 3600;
const SEQ_CURSOR = /^\d{1,12}$/;
const TIME_CURSOR = /^(\d{13})(:[0-9a-f]{16})?$/;

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
  const { seq, latest: current } = await appendIfNewer(db, { ...change, email }, now);
  if (seq !== undefined) return { logged: true, id: String(seq) };
  return { logged: false, outcome: current && (current.changed_at ?? 0) > change.changedAt ? 'stale' : 'unchanged' };
}

/** The status the log last decided on for an address (store.ts keeps KV in line with it). */
export async function latestLogged(db: D1Database, email: string): Promise<{ status: ConsentStatus; changedAt: number } | null> {
  return latestChange<ConsentStatus>(db, email.trim().toLowerCase());
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
  return lastSeqBefore(db, Number(time[1]));
}

/** Changes after the cursor `since` (all when empty), oldest first, at most `limit`. */
export async function listChanges(db: D1Database, options: { since?: string; limit: number }): Promise<ChangesPage> {
  const after = await afterSeq(db, options.since ?? '');
  const items = await changesAfter<ConsentStatus>(db, after, options.limit);
  return { items, next: items.at(-1)?.id ?? String(after) };
}

/** Forgets changes older than 90 days (hourly). Answers how many. */
export async function pruneChanges(db: D1Database, now: number): Promise<number> {
  return pruneConsentChanges(db, now - CHANGE_TTL_S * 1000);
}
