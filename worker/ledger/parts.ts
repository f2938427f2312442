// Lists of rows travel as one JSON parameter (json_each), so a statement never hits D1's
// bound-parameter limit (100) and a whole chunk is written in one query. A consumer batch can hold
// thousands of items, so long lists are split into several statements (bounded in rows and bytes),
// each sent on its own so that request-path writes interleave. The few statements of one consumer stage
// (one per table, none of them a split list) go together in one round trip (`together`).
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

/**
 * A step of the consumer's work on one or more tables, as statements and the reading of their results:
 * steps of one stage go to D1 together (`together`), each table's module building its own.
 */
export interface Step<T> {
  statements: D1PreparedStatement[];
  read: (results: D1Result[]) => T;
  /** A long list split into several statements: they go one per call, as runParts sends them. */
  split?: boolean;
}

/** A step of one statement per part of the list (the same parts as runParts). */
export function partsStep<T = void>(list: readonly unknown[], statement: (json: string) => D1PreparedStatement, read?: (results: D1Result[]) => T): Step<T> {
  const statements = list.length === 0 ? [] : jsonParts(list).map(statement);
  return { statements, read: read ?? (() => undefined as T), split: statements.length > 1 };
}

/**
 * Up to this many statements of one stage go in one db.batch (one round trip, one transaction); each
 * is bounded as above, so the writer is held for a few small statements at most. More, or a split
 * list among them, go one by one.
 */
const STATEMENTS_TOGETHER = 4;

/** Runs the steps in order, in one round trip when their statements are few, and answers what each read. */
export async function together<T extends unknown[]>(db: Pick<D1Database, 'batch'>, ...steps: { [K in keyof T]: Step<T[K]> }): Promise<T> {
  const statements = steps.flatMap((s) => s.statements);
  let results: D1Result[] = [];
  if (statements.length === 1) results = [await statements[0]!.all()];
  else if (statements.length <= STATEMENTS_TOGETHER && !steps.some((s) => s.split)) results = statements.length === 0 ? [] : await db.batch(statements);
  else for (const s of statements) results.push(await s.all());
  let at = 0;
  return steps.map((s) => {
    const mine = results.slice(at, at + s.statements.length);
    at += s.statements.length;
    return s.read(mine);
  }) as T;
}

/** One statement per part of the list, sent in as few db.batch calls as allowed. */
export async function runParts<T = unknown>(
  db: Pick<D1Database, 'batch'>,
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
