// Table ingest_counters (migrations/0003_ingest.sql, index 0020_retention.sql): per-day counters of
// what the collector dropped on purpose, one row per (name, UTC day). Adding is an upsert, so
// concurrent writers add up instead of overwriting; when to write is ingest/counters.ts's decision.
import { deleteOlderThan } from './parts.ts';

/** Adds n to the counter of `name` for `day` (YYYY-MM-DD). */
export async function addToCounter(db: D1Database, name: string, day: string, n: number, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO ingest_counters (name, day, count, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name, day) DO UPDATE SET count = count + excluded.count, updated_at = excluded.updated_at`,
    )
    .bind(name, day, n, now)
    .run();
}

/** The sum of the counter of `name` over the days from `sinceDay` on. */
export async function readCounter(db: D1Database, name: string, sinceDay = '0000-00-00'): Promise<number> {
  const row = await db
    .prepare('SELECT COALESCE(SUM(count), 0) AS total FROM ingest_counters WHERE name = ? AND day >= ?')
    .bind(name, sinceDay)
    .first<{ total: number }>();
  return row?.total ?? 0;
}

/**
 * Deletes at most `limit` counters of days before `beforeDay` (YYYY-MM-DD); answers how many. The
 * statement delivery/retention.ts runs in bounded batches.
 */
export function pruneIngestCounters(db: D1Database, beforeDay: string, limit: number): Promise<number> {
  return deleteOlderThan(db, 'ingest_counters', 'day', beforeDay, limit);
}
