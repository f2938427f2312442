// Table seen_signatures (migrations/0001_ledger.sql): shop API request signatures seen within their
// validity window, for replay protection. D1 gives a strongly consistent insert-once, which KV's
// eventual consistency cannot. The signature itself is checked in identity/signature.ts.

/** Remembers a signature until `expiresAt` (unix ms); false when it was already there (a replay). */
export async function rememberSignature(db: D1Database, signature: string, expiresAt: number): Promise<boolean> {
  const result = await db
    .prepare('INSERT OR IGNORE INTO seen_signatures (signature, expires_at) VALUES (?, ?)')
    .bind(signature, expiresAt)
    .run();
  return result.meta.changes === 1;
}

/** Forgets the signatures expired before `now` (unix ms; hourly, delivery/scheduled.ts). Answers how many. */
export async function pruneSeenSignatures(db: D1Database, now: number): Promise<number> {
  const result = await db.prepare('DELETE FROM seen_signatures WHERE expires_at < ?').bind(now).run();
  return result.meta.changes ?? 0;
}
