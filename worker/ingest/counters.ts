// Small per-day counters of what the collector dropped on purpose (bot beacons), readable by the
// setup page: SELECT name, day, count FROM ingest_counters (migrations/0003_ingest.sql).
export const BOT_BEACONS = 'bot-beacons';

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export async function countDropped(db: D1Database, name: string, n: number, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO ingest_counters (name, day, count, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name, day) DO UPDATE SET count = count + excluded.count, updated_at = excluded.updated_at`,
    )
    .bind(name, utcDay(now), n, now)
    .run();
}

export async function readCounter(db: D1Database, name: string, sinceDay = '0000-00-00'): Promise<number> {
  const row = await db
    .prepare('SELECT COALESCE(SUM(count), 0) AS total FROM ingest_counters WHERE name = ? AND day >= ?')
    .bind(name, sinceDay)
    .first<{ total: number }>();
  return row?.total ?? 0;
}
