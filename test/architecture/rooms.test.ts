// ARCHITECTURE.md's rule "only ledger/ writes SQL", checked on the source: a D1 statement
// (`.prepare(`, `.exec(`, `.batch(` on a database) in any worker module outside worker/ledger/ fails
// here with the file and line, and ledger/ stands on its own (it imports no domain folder).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, sourceFiles } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Test support may query D1 to check what a test did. */
const files = sourceFiles(`${ROOT}worker`)
  .map((f) => relative(ROOT, f))
  .filter((f) => !f.startsWith('worker/test/'));
const D1_CALL = /\.prepare\(|\b(db|LEDGER)\.(batch|exec)\(/;

function statementsOutsideLedger(): string[] {
  return files
    .filter((f) => !f.startsWith('worker/ledger/'))
    .flatMap((f) =>
      readFileSync(`${ROOT}${f}`, 'utf8')
        .split('\n')
        .flatMap((line, i) => (D1_CALL.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe('shared rooms', () => {
  it('the check reads the ledger (it would pass on nothing otherwise)', () => {
    const ledger = files.filter((f) => f.startsWith('worker/ledger/'));
    expect(ledger.length).toBeGreaterThan(5);
    expect(ledger.some((f) => D1_CALL.test(readFileSync(`${ROOT}${f}`, 'utf8')))).toBe(true);
  });

  it('no SQL outside worker/ledger/', () => {
    expect(statementsOutsideLedger()).toEqual([]);
  });

  it('ledger/ imports only other shared rooms', () => {
    const domain = /^worker\/(routes|http|ingest|platforms|delivery|consent|settings|setup|identity|contact)\//;
    const upward = [...importGraph(ROOT, ['worker/ledger'])].flatMap(([file, targets]) => targets.filter((t) => domain.test(t)).map((t) => `${file} → ${t}`));
    expect(upward).toEqual([]);
  });
});
