// Tables consent_changes and consent_latest (migrations/0011_consent_changes.sql): the consent
// changes feed the shop polls, one row per change with its seq cursor, and the latest change per
// address the feed has decided on. One module for both: "later wins" and "same status is no change"
// are decided against consent_latest in the same transaction as the append to consent_changes.
// E-mails arrive here lower-cased (consent/changes.ts); cursors are read there too.

// The statuses are consent/changes.ts's (ConsentStatus); stored here as the text they are given, and
// read back typed as the caller says (S).

export interface StoredChange<S extends string = string> {
  email: string;
  status: S;
  changedAt: number;
  source: string;
}

export interface StoredLoggedChange<S extends string = string> extends StoredChange<S> {
  id: string;
}

/**
 * Appends the change unless consent_latest holds a later change of the address or the same status.
 * One D1 batch (one transaction). Answers the new seq when appended, and the address's latest change
 * as it stands after the batch.
 */
export async function appendIfNewer(
  db: D1Database,
  change: StoredChange,
  now: number,
): Promise<{ seq: number | undefined; latest: { status?: string; changed_at?: number } | undefined }> {
  const [, appended, latest] = await db.batch<{ seq?: number; status?: string; changed_at?: number }>([
    db
      .prepare(
        `INSERT INTO consent_latest (email, status, changed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (email) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at
         WHERE excluded.changed_at >= consent_latest.changed_at AND excluded.status <> consent_latest.status`,
      )
      .bind(change.email, change.status, change.changedAt),
    // changes(): rows the statement before changed (0 when the upsert's WHERE kept the old row).
    db
      .prepare(
        `INSERT INTO consent_changes (email, status, changed_at, source, recorded_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE changes() > 0 RETURNING seq`,
      )
      .bind(change.email, change.status, change.changedAt, change.source, now),
    db.prepare('SELECT status, changed_at FROM consent_latest WHERE email = ?1').bind(change.email),
  ]);
  return { seq: appended?.results[0]?.seq, latest: latest?.results[0] };
}

/** The latest change consent_latest holds for a (lower-case) address. */
export async function latestChange<S extends string>(db: D1Database, email: string): Promise<{ status: S; changedAt: number } | null> {
  const row = await db.prepare('SELECT status, changed_at FROM consent_latest WHERE email = ?1').bind(email).first<{ status: S; changed_at: number }>();
  return row ? { status: row.status, changedAt: row.changed_at } : null;
}

/** The last seq recorded before a time (unix ms); 0 when none. */
export async function lastSeqBefore(db: D1Database, recordedBefore: number): Promise<number> {
  const row = await db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM consent_changes WHERE recorded_at < ?1').bind(recordedBefore).first<{ seq: number }>();
  return row?.seq ?? 0;
}

/** Changes after seq `after`, oldest first, at most `limit`. */
export async function changesAfter<S extends string>(db: D1Database, after: number, limit: number): Promise<StoredLoggedChange<S>[]> {
  const { results } = await db
    .prepare(`SELECT seq, email, status, changed_at, source FROM consent_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2`)
    .bind(after, limit)
    .all<{ seq: number; email: string; status: S; changed_at: number; source: string }>();
  return results.map((r) => ({ id: String(r.seq), email: r.email, status: r.status, changedAt: r.changed_at, source: r.source }));
}

/** Deletes the changes recorded before a time (unix ms). Answers how many. */
export async function pruneConsentChanges(db: D1Database, recordedBefore: number): Promise<number> {
  const res = await db.prepare('DELETE FROM consent_changes WHERE recorded_at < ?1').bind(recordedBefore).run();
  return res.meta.changes ?? 0;
}
