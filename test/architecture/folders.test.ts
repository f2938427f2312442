// ARCHITECTURE.md's folder table is the rule: its "may import" column is read here as data and every
// import of the worker and the tracker is checked against it, so the table cannot say one thing while
// the code does another. The words the column may use are the ones `allows` understands below.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface FolderRow {
  /** Paths of the first column: folders end with '/', files do not. */
  paths: string[];
  rule: string;
}

/** The rows of ARCHITECTURE.md's "The folders" table. */
export function folderRows(markdown: string): FolderRow[] {
  const section = markdown.slice(markdown.indexOf('## The folders'), markdown.indexOf('\n## ', markdown.indexOf('## The folders') + 5));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && line.includes('`') && !line.startsWith('| folder'))
    .map((line) => {
      const cells = line.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, ''));
      return { paths: [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), rule: cells[2]!.trim() };
    });
}

/** The row a file belongs to: the longest path of the table that holds it. */
function rowOf(rows: FolderRow[], file: string): FolderRow | undefined {
  let best: { row: FolderRow; length: number } | undefined;
  for (const row of rows) {
    for (const path of row.paths) {
      const holds = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (holds && (!best || path.length > best.length)) best = { row, length: path.length };
    }
  }
  return best?.row;
}

const SHARED = (rows: FolderRow[]) => rows.find((r) => r.rule === 'only other shared rooms');
/** The domain folders: every folder row of the table but the edge (routes, http, setup), tests and the shared rooms. */
const DOMAIN = (rows: FolderRow[]) =>
  rows
    .filter((r) => r !== SHARED(rows))
    .flatMap((r) => r.paths)
    .filter((p) => /^worker\/[\w-]+\/$/.test(p) && !/^worker\/(routes|http|setup|test)\/$/.test(p));

/** Whether the rule of `from` lets it import `to` (a file of another row). */
export function allows(rows: FolderRow[], from: FolderRow, to: string): boolean {
  const target = rowOf(rows, to);
  if (target === from) return true;
  const rule = from.rule;
  const named = [...rule.matchAll(/`([^`]+)`/g)].map((m) => `worker/${m[1]}`);
  const never = /never `([^`]+)`/.exec(rule)?.[1];
  if (never && to.startsWith(`worker/${never}`)) return false;
  if (/^(everything|anything)$/.test(rule)) return true;
  if (rule === 'everything below') return to !== 'worker/index.ts';
  if (/^(only itself|nothing of ours)$/.test(rule)) return false;
  if (/shared rooms/.test(rule) && target === SHARED(rows)) return true;
  if (/domain folders/.test(rule) && DOMAIN(rows).some((d) => to.startsWith(d))) return true;
  return named.some((n) => to.startsWith(n));
}

describe('the folder table of ARCHITECTURE.md, enforced', () => {
  const rows = folderRows(readFileSync(`${ROOT}ARCHITECTURE.md`, 'utf8'));
  const graph = new Map([...importGraph(ROOT, ['worker', 'tracker/src'])].filter(([file]) => !file.startsWith('worker/test/')));

  it('reads the table (the check would pass on nothing otherwise)', () => {
    expect(rows.length).toBeGreaterThan(8);
    expect(SHARED(rows)).toBeDefined();
    expect(rowOf(rows, 'worker/ledger/deliveries/rows.ts')).toBe(SHARED(rows));
    expect(allows(rows, rowOf(rows, 'worker/identity/hmac.ts')!, 'worker/ledger/visitors.ts')).toBe(false);
    expect(allows(rows, rowOf(rows, 'worker/routes/ingest.ts')!, 'worker/ledger/visitors.ts')).toBe(true);
  });

  it('every source file belongs to a row', () => {
    expect([...graph.keys()].filter((file) => !rowOf(rows, file))).toEqual([]);
  });

  it('every import is one its row allows', () => {
    const broken = [...graph].flatMap(([file, targets]) => {
      const from = rowOf(rows, file);
      return from ? targets.filter((t) => graph.has(t) && !allows(rows, from, t)).map((t) => `${file} → ${t} (may import: ${from.rule})`) : [];
    });
    expect(broken).toEqual([]);
  });

  it('the table of tables names each module of worker/ledger/ exactly once (a folder, `name/`, is one module)', () => {
    const text = readFileSync(`${ROOT}ARCHITECTURE.md`, 'utf8');
    const section = text.slice(text.indexOf('## Who writes each table'));
    const named = section
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .flatMap((l) => [...(l.split(' | ')[1] ?? '').matchAll(/`([\w-]+(?:\.ts|\/))`/g)].map((m) => m[1]!));
    const modules = readdirSync(`${ROOT}worker/ledger`, { withFileTypes: true }).flatMap((f) =>
      f.isDirectory() ? [`${f.name}/`] : f.name.endsWith('.ts') && !f.name.endsWith('.test.ts') ? [f.name] : [],
    );
    const helpers = ['databases.ts', 'parts.ts', 'payloads.ts', 'reason-kinds.ts', 'reports.ts', 'sessions.ts']; // shared by every table module, named in the text above the table
    expect([...named].sort()).toEqual(modules.filter((m) => !helpers.includes(m)).sort());
  });
});
