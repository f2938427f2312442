// The prune functions of the table modules (the statements delivery/retention.ts and scheduled.ts run):
// each deletes only rows older than its cutoff, at most `limit` per call where it takes one, and
// answers how many it deleted, so the caller can run it again until fewer come back.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { pruneConsentChanges } from './consent-changes.ts';
import { pruneIngestCounters } from './ingest-counters.ts';
import { pruneOrderConflicts } from './order-conflicts.ts';
import { prunePlatformDeliveries } from './platform-deliveries.ts';
import { pruneSeenSignatures } from './seen-signatures.ts';

const db = env.LEDGER;
const ids = (prefix: string) => [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`, `${prefix}-new`];
/** Three old rows (times 1000..1002) and one recent (5000); the cutoff is 2000. */
const TIMES = [1000, 1001, 1002, 5000];

async function remaining(sql: string, ...bind: unknown[]): Promise<string[]> {
  const { results } = await db
    .prepare(sql)
    .bind(...bind)
    .all<{ k: string }>();
  return results.map((r) => r.k).sort();
}

/** Runs a bounded prune three times with limit 2: 2 + 1 + 0 rows. */
async function inTwos(prune: () => Promise<number>): Promise<number[]> {
  return [await prune(), await prune(), await prune()];
}

describe('bounded prunes (retention.ts)', () => {
  it('platform_deliveries: by received_at', async () => {
    const keys = ids('pd');
    await db.batch(
      keys.map((k, i) =>
        db
          .prepare("INSERT INTO platform_deliveries (platform, delivery_id, outcome, http_status, received_at) VALUES ('prune-test', ?, 'accepted', 200, ?)")
          .bind(k, TIMES[i]),
      ),
    );
    expect(await inTwos(() => prunePlatformDeliveries(db, 2000, 2))).toEqual([2, 1, 0]);
    expect(await remaining("SELECT delivery_id AS k FROM platform_deliveries WHERE platform = 'prune-test'")).toEqual(['pd-new']);
  });

  it('order_conflicts: by last_at', async () => {
    const keys = ids('oc');
    await db.batch(
      keys.map((k, i) => db.prepare('INSERT INTO order_conflicts (id, fields, reposts, last_at) VALUES (?, \'["value"]\', 1, ?)').bind(k, TIMES[i])),
    );
    expect(await inTwos(() => pruneOrderConflicts(db, 2000, 2))).toEqual([2, 1, 0]);
    expect(await remaining("SELECT id AS k FROM order_conflicts WHERE id LIKE 'oc-%'")).toEqual(['oc-new']);
  });

  it('ingest_counters: by day, before the cutoff day only', async () => {
    const days = ['2001-01-01', '2001-01-02', '2001-01-03', '2001-01-04'];
    await db.batch(days.map((day) => db.prepare("INSERT INTO ingest_counters (name, day, count, updated_at) VALUES ('prune-test', ?, 1, 0)").bind(day)));
    expect(await inTwos(() => pruneIngestCounters(db, '2001-01-04', 2))).toEqual([2, 1, 0]);
    expect(await remaining("SELECT day AS k FROM ingest_counters WHERE name = 'prune-test'")).toEqual(['2001-01-04']);
  });
});

describe('unbounded prunes (scheduled.ts)', () => {
  it('seen_signatures: the expired ones', async () => {
    const keys = ids('sig');
    await db.batch(keys.map((k, i) => db.prepare('INSERT INTO seen_signatures (signature, expires_at) VALUES (?, ?)').bind(k, TIMES[i])));
    expect(await pruneSeenSignatures(db, 2000)).toBe(3);
    expect(await remaining("SELECT signature AS k FROM seen_signatures WHERE signature LIKE 'sig-%'")).toEqual(['sig-new']);
  });

  it('consent_changes: those recorded before the cutoff', async () => {
    await db.batch(
      TIMES.map((at, i) =>
        db
          .prepare("INSERT INTO consent_changes (email, status, changed_at, source, recorded_at) VALUES (?, 'opt-in', ?, 'prune-test', ?)")
          .bind(`p${i}@example.com`, at, at),
      ),
    );
    expect(await pruneConsentChanges(db, 2000)).toBe(3);
    expect(await remaining("SELECT email AS k FROM consent_changes WHERE source = 'prune-test'")).toEqual(['p3@example.com']);
  });
});
