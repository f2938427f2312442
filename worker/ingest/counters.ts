// Small per-day counters of what the collector dropped on purpose (bot beacons), in D1's
// ingest_counters (migrations/0003_ingest.sql). No page shows them: read them with
// `SELECT name, day, count FROM ingest_counters` (wrangler d1 execute) or readCounter; they
// are deleted RETENTION_COUNTERS_DAYS after their day (delivery/retention.ts). The statements are
// ledger/ingest-counters.ts; this module decides when a count is written.
import { addToCounter } from '../ledger/ingest-counters.ts';

export { readCounter } from '../ledger/ingest-counters.ts';

export const BOT_BEACONS = 'bot-beacons';

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

async function countDropped(db: D1Database, name: string, n: number, now: number): Promise<void> {
  await addToCounter(db, name, utcDay(now), n, now);
}

/**
 * Counts without a D1 write per beacon (issue 10 item 5): each worker instance adds up what it
 * dropped and writes the sum at most once per FLUSH_INTERVAL_MS (the first drop at once). A count
 * still pending when the instance is evicted is lost: the figure is a lower bound, which is what a
 * counter of dropped bot traffic needs to be.
 */
const FLUSH_INTERVAL_MS = 60_000;
const pending = new Map<string, number>();
let lastFlush = Number.NEGATIVE_INFINITY;

/** Adds to the pending count; answers the write to run in the background, or null when none is due. */
export function countDroppedLater(db: D1Database, name: string, n: number, now: number): Promise<void> | null {
  pending.set(name, (pending.get(name) ?? 0) + n);
  if (now - lastFlush < FLUSH_INTERVAL_MS) return null;
  lastFlush = now;
  const due = [...pending.entries()];
  pending.clear();
  return Promise.all(due.map(([key, count]) => countDropped(db, key, count, now))).then(() => undefined);
}

/** Tests only: forget this instance's pending counts. */
export function resetPendingCounts(): void {
  pending.clear();
  lastFlush = Number.NEGATIVE_INFINITY;
}
