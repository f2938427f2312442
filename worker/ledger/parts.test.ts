// ledger/parts.ts `together`: a stage's few statements in one round trip, a split list one part per call.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { countedLedger } from '../test/d1-count.ts';
import { partsStep, together, type Step } from './parts.ts';

const db = (env as { LEDGER: D1Database }).LEDGER;

/** A step reading one value back, to check each step gets its own results. */
function echo(on: D1Database, value: number): Step<number> {
  return { statements: [on.prepare('SELECT ?1 AS v').bind(value)], read: (r) => (r[0]?.results[0] as { v: number } | undefined)?.v ?? Number.NaN };
}

describe('together', () => {
  it('sends a stage’s few statements in one round trip and answers each step’s reading', async () => {
    const counted = countedLedger(db);
    const [a, b, c] = await together(counted.db, echo(counted.db, 1), echo(counted.db, 2), echo(counted.db, 3));
    expect([a, b, c]).toEqual([1, 2, 3]);
    expect(counted.roundTrips()).toBe(1);
    expect(counted.statements()).toBe(3);
  });

  it('sends more than four statements, or a list split into parts, one per call', async () => {
    const many = countedLedger(db);
    expect(await together(many.db, ...[1, 2, 3, 4, 5].map((v) => echo(many.db, v)))).toEqual([1, 2, 3, 4, 5]);
    expect(many.roundTrips()).toBe(5);
    // 600 ids are three statements of at most 250 (as runParts sends them): with another step, four calls.
    const split = countedLedger(db);
    const ids = Array.from({ length: 600 }, (_, i) => `id-${i}`);
    const count = partsStep(
      ids,
      (json) => split.db.prepare('SELECT count(*) AS n FROM json_each(?1)').bind(json),
      (r) => r.reduce((n, x) => n + (x.results[0] as { n: number }).n, 0),
    );
    expect(count.split).toBe(true);
    const [n, v] = await together(split.db, count, echo(split.db, 7));
    expect([n, v]).toEqual([600, 7]);
    expect(split.roundTrips()).toBe(4);
  });

  it('makes no round trip for steps without statements', async () => {
    const counted = countedLedger(db);
    expect(
      await together(
        counted.db,
        partsStep([], (json) => counted.db.prepare('SELECT ?1').bind(json)),
      ),
    ).toEqual([undefined]);
    expect(counted.roundTrips()).toBe(0);
  });
});
