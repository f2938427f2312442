// Test-only: a D1 binding double with a read replica that lags, for the reads-off-the-writer tests.
// The primary is the test's LEDGER; the replica is a second database (LEDGER_REPLICA, vitest.config.ts)
// with the schema but only the rows a test copies into it, so a read that reaches it sees an older
// state. Routing follows D1's Sessions API: queries on the database itself go to the primary; a session
// started "first-primary", or at a bookmark this double handed out from the primary, reads the primary;
// "first-unconstrained" (or any other bookmark) reads the replica. Every statement prepared is counted
// per instance, and every withSession argument is kept.
import { applyD1Migrations, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

/** A bookmark as D1 writes them; the double's own two: "the primary's latest" and "the replica's". */
export const PRIMARY_BOOKMARK = `ffffffff-ffffffff-ffffffff-${'f'.repeat(32)}`;
export const REPLICA_BOOKMARK = `00000000-00000001-00000000-${'0'.repeat(32)}`;

export interface LaggingD1 {
  db: D1Database;
  /** Statements prepared on each instance since the last reset. */
  counts: { primary: number; replica: number };
  sessions: (string | undefined)[];
  reset(): void;
}

let migrated: Promise<void> | undefined;
/** The replica's schema (once per test file). */
export function replicaSchema(): Promise<void> {
  migrated ??= applyD1Migrations(env.LEDGER_REPLICA, (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS);
  return migrated;
}

export function laggingD1(primary: D1Database = env.LEDGER, replica: D1Database = env.LEDGER_REPLICA): LaggingD1 {
  const counts = { primary: 0, replica: 0 };
  const sessions: (string | undefined)[] = [];
  const on = (tier: 'primary' | 'replica') => {
    const target = tier === 'primary' ? primary : replica;
    return {
      prepare: (query: string) => {
        counts[tier] += 1;
        return target.prepare(query);
      },
      batch: <T>(statements: D1PreparedStatement[]) => target.batch<T>(statements),
    };
  };
  const session = (tier: 'primary' | 'replica'): D1DatabaseSession => {
    const inner = on(tier);
    let used = false;
    return {
      prepare: (query: string) => ((used = true), inner.prepare(query)),
      batch: <T>(statements: D1PreparedStatement[]) => ((used = true), inner.batch<T>(statements)),
      getBookmark: () => (used ? (tier === 'primary' ? PRIMARY_BOOKMARK : REPLICA_BOOKMARK) : null),
    } as D1DatabaseSession;
  };
  const db = {
    ...on('primary'),
    exec: (query: string) => primary.exec(query),
    dump: () => primary.dump(),
    withSession: (constraint?: string) => {
      sessions.push(constraint);
      return session(constraint === 'first-primary' || constraint === PRIMARY_BOOKMARK ? 'primary' : 'replica');
    },
  } as unknown as D1Database;
  return { db, counts, sessions, reset: () => ((counts.primary = 0), (counts.replica = 0), (sessions.length = 0)) };
}
