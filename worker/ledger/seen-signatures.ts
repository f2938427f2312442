// Table seen_signatures (migrations/0001_ledger.sql): shop API request signatures seen within their
// validity window, for replay protection. D1 gives a strongly consistent insert-once, which KV's
// eventual consistency cannot. The signature itself is checked in identity/signature.ts; the record is
// made by http/shop-signature.ts, or joins the ledger batch of ingest/enqueue.ts (one round trip).

/** Remembers a signature until `expiresAt` (unix ms); false when it was already there (a replay). */
export async function rememberSignature(db: D1Database, signature: string, expiresAt: number): Promise<boolean> {
  const result = await db.prepare('INSERT OR IGNORE INTO seen_signatures (signature, expires_at) VALUES (?, ?)').bind(signature, expiresAt).run();
  return result.meta.changes === 1;
}

/**
 * The same record as a statement to run in the batch that records the request's ledger rows: a plain
 * INSERT, so a signature seen before fails it, and D1 rolls the whole batch back (a batch is one
 * transaction): a replay records nothing, in the request's one D1 round trip.
 */
export function claimSignature(db: D1Database, signature: string, expiresAt: number): D1PreparedStatement {
  return db.prepare('INSERT INTO seen_signatures (signature, expires_at) VALUES (?, ?)').bind(signature, expiresAt);
}

/**
 * A request's claim, made in whichever database its first row goes to (ledger/databases.ts): the same
 * body always names the same one, so a replay meets its claim there.
 */
export type SignatureClaim = (db: D1Database) => D1PreparedStatement;

/** Whether a batch failed because its claimSignature found the signature already there. */
export function isSignatureReplay(err: unknown): boolean {
  return /UNIQUE constraint failed: seen_signatures\.signature/.test(err instanceof Error ? err.message : String(err));
}

/** Forgets the signatures expired before `now` (unix ms; hourly, delivery/scheduled.ts). Answers how many. */
export async function pruneSeenSignatures(db: D1Database, now: number): Promise<number> {
  const result = await db.prepare('DELETE FROM seen_signatures WHERE expires_at < ?').bind(now).run();
  return result.meta.changes ?? 0;
}
