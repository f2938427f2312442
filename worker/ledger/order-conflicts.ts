// Table order_conflicts (migrations/0050_salesmanago_conformance.sql): orders re-posted with other
// content than the version accepted first, one row per order event id, for the setup page. Also the
// one read of deliveries that finding a conflict needs (the first accepted versions' payloads): a
// read only, kept next to the table it feeds; deliveries are written by the delivery modules.
// Which fields differ, and that recording never fails the request, is ingest/order-conflict.ts.
import { deleteOlderThan } from './parts.ts';
import { storedEvent } from './payloads.ts';
import type { AcceptedEvent } from '../queue/messages.ts';
import type { D1Reader } from './sessions.ts';

/** The stored (first accepted) event of each of these ledger ids that has a readable payload. */
export async function firstVersions(db: D1Database, ids: readonly string[]): Promise<Map<string, AcceptedEvent>> {
  const { results } = await db
    .prepare('SELECT id, payload FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(ids))
    .all<{ id: string; payload: string | null }>();
  const stored = new Map<string, AcceptedEvent>();
  for (const r of results) {
    // An unreadable payload is left out (its repost is treated as a plain duplicate).
    const event = storedEvent(r.payload, r.id);
    if (event) stored.set(r.id, event);
  }
  return stored;
}

/**
 * Upserts one row per conflict, in one batch: one more repost, and each differing field counted once
 * more (column fields: a JSON object field → reposts that differed in it; a row written before the
 * counts holds a JSON array, read as one each). Summed in the statement, so two reposts at once both count.
 */
export async function upsertConflicts(db: D1Database, conflicts: { id: string; fields: string[] }[], now: number): Promise<void> {
  if (conflicts.length === 0) return;
  await db.batch(
    conflicts.map((c) =>
      db
        .prepare(
          `INSERT INTO order_conflicts (id, fields, reposts, last_at) VALUES (?1, ?2, 1, ?3)
           ON CONFLICT (id) DO UPDATE SET
             fields = (SELECT json_group_object(k, n) FROM (SELECT k, SUM(n) AS n FROM (
                         SELECT CASE WHEN json_type(order_conflicts.fields) = 'array' THEN value ELSE key END AS k,
                                CASE WHEN json_type(order_conflicts.fields) = 'array' THEN 1 ELSE value END AS n
                           FROM json_each(order_conflicts.fields)
                         UNION ALL SELECT key, value FROM json_each(excluded.fields)) GROUP BY k)),
             reposts = reposts + 1, last_at = excluded.last_at`,
        )
        .bind(c.id, JSON.stringify(Object.fromEntries(c.fields.map((f) => [f, 1]))), now),
    ),
  );
}

export interface ConflictSeen {
  id: string;
  fields: string[];
  /** How many reposts differed in each field. */
  counts: Record<string, number>;
  reposts: number;
  at: number;
}

/** The latest conflicts, newest first. */
export async function latestConflicts(db: D1Reader, limit = 5): Promise<ConflictSeen[]> {
  const { results } = await db
    .prepare('SELECT id, fields, reposts, last_at FROM order_conflicts ORDER BY last_at DESC LIMIT ?1')
    .bind(limit)
    .all<{ id: string; fields: string; reposts: number; last_at: number }>();
  return results.map((r) => {
    const stored = JSON.parse(r.fields) as string[] | Record<string, number>;
    const counts = Array.isArray(stored) ? Object.fromEntries(stored.map((f) => [f, 1])) : stored;
    return { id: r.id, fields: Object.keys(counts), counts, reposts: r.reposts, at: r.last_at };
  });
}

/**
 * Deletes at most `limit` rows last reposted before `before` (unix ms); answers how many. The statement
 * delivery/retention.ts runs in bounded batches.
 */
export function pruneOrderConflicts(db: D1Database, before: number, limit: number): Promise<number> {
  return deleteOlderThan(db, 'order_conflicts', 'last_at', before, limit);
}
