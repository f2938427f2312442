// The ledger databases (ARCHITECTURE.md "Ledger databases"): LEDGER, and LEDGER_1 … LEDGER_<n-1> when
// LEDGER_DATABASES says n > 1 (wrangler.toml declares them: docs/operations.md "Ledger databases"). The rows of a contact (its deliveries, its
// visitor links, its open cart, its known contact id) live in the database of its routing key
// (queue/shards.ts itemKey), FNV-1a(key) mod L; everything that is not a contact's (settings, the consent
// log and proofs, erasure records, platform deliveries, the catalog, shard state) stays in LEDGER.
// Since the shard count is a multiple of L (config.ts), a shard's contacts are all in the database
// `shard mod L`: one consumer writes one database, and a change of the shard count moves no row.
import { Unavailable } from '../errors.ts';
import { hash32 } from '../queue/shards.ts';

/** The bindings the ledger databases come from: LEDGER, and LEDGER_<i> as wrangler.toml declares them (not in worker/env.ts's generated types unless declared). */
export interface LedgerBindings {
  LEDGER: D1Database;
}

/**
 * A database LEDGER_DATABASES names but wrangler.toml does not declare: nothing can be stored or found
 * (503, naming it; the consumer retries its messages). Never a fallback to fewer databases, which would
 * look for rows where they are not.
 */
class LedgerMissing extends Unavailable {
  constructor(index: number) {
    super(`LEDGER_${index} is not bound (LEDGER_DATABASES counts it): declare it in wrangler.toml`);
  }
}

/** Every ledger database in use, LEDGER first. */
export function ledgerDatabases(env: LedgerBindings, count: number): D1Database[] {
  const out = [env.LEDGER];
  for (let i = 1; i < count; i++) {
    const db = (env as unknown as Record<string, D1Database | undefined>)[`LEDGER_${i}`];
    if (!db) throw new LedgerMissing(i);
    out.push(db);
  }
  return out;
}

/** The index of a routing key's database among `count`. */
export function ledgerIndexOfKey(key: string, count: number): number {
  return count <= 1 ? 0 : hash32(key) % count;
}

/** The database of a routing key (queue/shards.ts itemKey, messageKeys). */
export function ledgerOfKey(env: LedgerBindings, count: number, key: string): D1Database {
  const index = ledgerIndexOfKey(key, count);
  return index === 0 ? env.LEDGER : ledgerDatabases(env, count)[index]!;
}

/** The database a shard's consumer writes (the shard count is a multiple of `count`). */
export function ledgerOfShard(env: LedgerBindings, count: number, shard: number): D1Database {
  const index = count <= 1 ? 0 : shard % count;
  return index === 0 ? env.LEDGER : ledgerDatabases(env, count)[index]!;
}

/** `fn` over every ledger database side by side, its answers in the databases' order. */
export function overEvery<T>(env: LedgerBindings, count: number, fn: (db: D1Database) => Promise<T>): Promise<T[]> {
  return Promise.all(ledgerDatabases(env, count).map(fn));
}

/** Items grouped by the database of their routing key, in the order each database first appears. */
export function byLedger<T>(env: LedgerBindings, count: number, items: readonly T[], keyOf: (item: T) => string): Map<D1Database, T[]> {
  const out = new Map<D1Database, T[]>();
  for (const item of items) {
    const db = ledgerOfKey(env, count, keyOf(item));
    const list = out.get(db);
    if (list) list.push(item);
    else out.set(db, [item]);
  }
  return out;
}
