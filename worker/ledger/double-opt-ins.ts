// Double opt-in requests (table double_opt_ins, migrations/0050_salesmanago_conformance.sql): one row
// per subscribe (keyed by the ledger id of the item that subscribed) whose confirmation mail may have
// been asked for. delivery/contacts.ts decides when a claim is taken and given back.
import { deleteOlderThan } from './parts.ts';

/** Claims each subscribe id; answers, in order, whether the claim is new (false: claimed before). */
export async function claimSubscribes(db: D1Database, claims: readonly { id: string; email: string }[], now: number): Promise<boolean[]> {
  if (claims.length === 0) return [];
  const insert = db.prepare('INSERT OR IGNORE INTO double_opt_ins (subscribe_id, email, requested_at) VALUES (?1, ?2, ?3)');
  const results = await db.batch(claims.map(({ id, email }) => insert.bind(id, email, now)));
  return claims.map((_, i) => (results[i]?.meta.changes ?? 0) > 0);
}

/** Gives the claims of these subscribe ids back. */
export async function releaseSubscribes(db: D1Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.prepare('DELETE FROM double_opt_ins WHERE subscribe_id IN (SELECT value FROM json_each(?1))').bind(JSON.stringify(ids)).run();
}

/** Retention: at most `limit` claims requested before `before`. */
export function pruneDoubleOptIns(db: D1Database, before: number, limit: number): Promise<number> {
  return deleteOlderThan(db, 'double_opt_ins', 'requested_at', before, limit);
}
