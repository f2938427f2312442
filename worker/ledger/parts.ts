// Lists of rows travel as one JSON parameter (json_each), so a statement never hits D1's
// bound-parameter limit (100) and a whole chunk is written in one query. A consumer batch can hold
// thousands of items, so long lists are split into several statements (bounded in rows and bytes),
// each sent on its own so that request-path writes interleave.
import { chunk } from '../queue/send.ts';

// Bounded so that one consumer statement holds D1's single writer briefly: the request path's ledger
// and signature writes wait behind it (docs/performance.md "Performance", independence).
const ROWS_PER_STATEMENT = 250;
const JSON_BYTES_PER_STATEMENT = 500_000;
// One statement per call: a db.batch is one transaction and would hold the writer for all its parts.
const STATEMENTS_PER_BATCH = 1;

/** The list as JSON arrays small enough for one statement's parameter each. */
function jsonParts(list: readonly unknown[]): string[] {
  return chunk(list, (x) => JSON.stringify(x).length + 1, ROWS_PER_STATEMENT, JSON_BYTES_PER_STATEMENT).map((part) => JSON.stringify(part));
}

/** One statement per part of the list, sent in as few db.batch calls as allowed. */
export async function runParts<T = unknown>(
  db: D1Database,
  list: readonly unknown[],
  statement: (json: string) => D1PreparedStatement,
): Promise<D1Result<T>[]> {
  const statements = jsonParts(list).map(statement);
  const out: D1Result<T>[] = [];
  for (let start = 0; start < statements.length; start += STATEMENTS_PER_BATCH) {
    const part = statements.slice(start, start + STATEMENTS_PER_BATCH);
    // A single statement goes as a plain query; several as one batch (one round trip, one transaction).
    out.push(...(part.length === 1 ? [await part[0]!.all<T>()] : await db.batch<T>(part)));
  }
  return out;
}

/**
 * Deletes at most `limit` rows whose `column` is below `before`, answering how many: the bounded step
 * retention repeats until a backlog is worked off (delivery/retention.ts). Each table's module calls it
 * with its own table and column.
 */
export async function deleteOlderThan(db: D1Database, table: string, column: string, before: number | string, limit: number): Promise<number> {
  const res = await db
    .prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${column} < ?1 LIMIT ${Math.floor(limit)})`)
    .bind(before)
    .run();
  return res.meta.changes ?? 0;
}
