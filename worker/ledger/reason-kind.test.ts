// Migration 0160 (deliveries.reason_kind): rows written before it, whose sub-state was only the text
// prefix of last_error, get the kind the code now selects by. The test takes the column away again,
// writes rows the way the code wrote them before, and applies the migration for real.
import { applyD1Migrations, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ReasonKind } from '../delivery/state.ts';
import type { StoredReason, StoredReasonKind } from './reason-kinds.ts';
import { countOfKind } from './deliveries/rows.ts';
import { queuedOfKind } from './deliveries/held.ts';
import { replayableRows } from './deliveries/replay.ts';

const db = env.LEDGER;
const migrations = (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS;
const MIGRATION = migrations.find((m) => m.name.startsWith('0160_'))!;
// Other files' rows may share this storage (the quick loop runs without isolation): name only ours.
const tag = crypto.randomUUID().slice(0, 8);
const own = (id: string) => `${tag}-${id}`;

/** The deliveries table as it was before migration 0160. */
async function beforeMigration(): Promise<void> {
  await db.batch([
    db.prepare('DROP INDEX deliveries_status_reason'),
    db.prepare('ALTER TABLE deliveries DROP COLUMN reason_kind'),
    db.prepare('DELETE FROM d1_migrations WHERE name = ?1').bind(MIGRATION.name),
  ]);
}

/** [id, status, last_error, the kind expected after the migration] */
const OLD_ROWS: [string, string, string | null, string | null][] = [
  ['refused', 'failed', 'refused: SALESmanago did not create the event: a@example.com is in failedContacts', 'refused'],
  ['erased', 'failed', 'refused: erased', 'refused'],
  ['account-wide', 'failed', 'events: API key not valid', null],
  ['queue', 'failed', 'queue unavailable', 'queue-unavailable'],
  ['dead', 'dead', 'retries exhausted after 30 attempts: events: SALESmanago (HTTP 503): busy', 'exhausted'],
  ['dead-letter', 'dead', 'retries exhausted', 'exhausted'],
  ['parked', 'queued', 'parked: waiting to be sent together with more events', 'parked'],
  ['unconfigured', 'queued', 'SALESmanago is not configured: SALESMANAGO_CLIENT_ID is not set', 'unconfigured'],
  ['retry', 'queued', 'unconfirmed: events: timeout', null],
  ['held-old', 'expired', 'held: the visitor was not identified within 30 days', 'held'],
  ['held-many', 'expired', 'held: more than 200 events of this anonymous visitor, oldest dropped', 'held'],
  ['delivered', 'delivered', null, null],
  // Only a prefix counts: the same words later in a reason are not the kind.
  ['inner', 'failed', 'contacts: refused: by the proxy', null],
];

describe('migration 0160: reason_kind backfilled from the last_error prefixes', () => {
  it('gives each row written before the migration the kind of its reason', async () => {
    await beforeMigration();
    const columns = await db.prepare("SELECT name FROM pragma_table_info('deliveries')").all<{ name: string }>();
    expect(columns.results.map((c) => c.name)).not.toContain('reason_kind');
    await db.batch(
      OLD_ROWS.map(([id, status, lastError]) =>
        db
          .prepare(
            `INSERT INTO deliveries (id, type, source, status, attempts, last_error, accepted_at, updated_at, payload)
           VALUES (?1, 'visit', 'browser', ?2, 1, ?3, 1000, 1000, '{}')`,
          )
          .bind(own(id), status, lastError),
      ),
    );

    await applyD1Migrations(db, migrations);

    const { results } = await db
      .prepare("SELECT id, last_error, reason_kind FROM deliveries WHERE id LIKE ?1 || '-%'")
      .bind(tag)
      .all<{ id: string; last_error: string | null; reason_kind: string | null }>();
    const kinds = Object.fromEntries(results.map((r) => [r.id, r.reason_kind]));
    expect(kinds).toEqual(Object.fromEntries(OLD_ROWS.map(([id, , , kind]) => [own(id), kind])));
    // last_error stays the human-readable reason.
    expect(results.find((r) => r.id === own('refused'))?.last_error).toBe(OLD_ROWS[0]![2]);

    // The selections that used to match the prefixes find the old rows by their kind (besides others' rows).
    const others = async (status: string, kind: string) =>
      (await db
        .prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = ?1 AND reason_kind = ?2 AND id NOT LIKE ?3 || '-%'")
        .bind(status, kind, tag)
        .first<number>('n')) ?? 0;
    expect(await countOfKind(db, 'failed', 'refused')).toBe((await others('failed', 'refused')) + 2);
    expect(await countOfKind(db, 'queued', 'parked')).toBe((await others('queued', 'parked')) + 1);
    const ours = (rows: { id: string }[]) => rows.map((r) => r.id).filter((id) => id.startsWith(`${tag}-`));
    expect(ours(await queuedOfKind(db, 'unconfigured', 100_000))).toEqual([own('unconfigured')]);
    const replayable = await replayableRows(db, ['failed', 'dead'], Date.now(), 100_000, 'refused');
    expect(ours(replayable).sort()).toEqual(['account-wide', 'dead', 'dead-letter', 'inner', 'queue'].map(own));
  });
});

describe('the kinds are typed for every writer (tsc checks this block; npm run typecheck)', () => {
  it("the column's kinds are the delivery domain's kinds, and a misspelt kind is no kind", () => {
    expectTypeOf<StoredReasonKind>().toEqualTypeOf<ReasonKind>();
    // @ts-expect-error: 'queue unavailable' is the words of the reason, not its kind
    const misspelt: StoredReason = { text: 'queue unavailable', kind: 'queue unavailable' };
    expect(misspelt.kind).toBe('queue unavailable');
  });
});
