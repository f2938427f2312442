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

/** Upserts one row per conflict (the last repost's fields, one more repost), in one batch. */
export async function upsertConflicts(db: D1Database, conflicts: { id: string; fields: string[] }[], now: number): Promise<void> {
  if (conflicts.length === 0) return;
  await db.batch(
    conflicts.map((c) =>
      db
        .prepare(
          `INSERT INTO order_conflicts (id, fields, reposts, last_at) VALUES (?1, ?2, 1, ?3)
           ON CONFLICT (id) DO UPDATE SET fields = excluded.fields, reposts = reposts + 1, last_at = excluded.last_at`,
        )
        .bind(c.id, JSON.stringify(c.fields), now),
    ),
  );
}

export interface ConflictSeen {
  id: string;
  fields: string[];
  reposts: number;
  at: number;
}

/** The latest conflicts, newest first. */
export async function latestConflicts(db: D1Reader, limit = 5): Promise<ConflictSeen[]> {
  const { results } = await db
    .prepare('SELECT id, fields, reposts, last_at FROM order_conflicts ORDER BY last_at DESC LIMIT ?1')
    .bind(limit)
    .all<{ id: string; fields: string; reposts: number; last_at: number }>();
  return results.map((r) => ({ id: r.id, fields: JSON.parse(r.fields) as string[], reposts: r.reposts, at: r.last_at }));
}

/**
 * Deletes at most `limit` rows last reposted before `before` (unix ms); answers how many. The statement
 * delivery/retention.ts runs in bounded batches.
 */
export function pruneOrderConflicts(db: D1Database, before: number, limit: number): Promise<number> {
  return deleteOlderThan(db, 'order_conflicts', 'last_at', before, limit);
}
