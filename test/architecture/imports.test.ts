// ARCHITECTURE.md's rules on imports, checked on the source: no module imports itself in a circle,
// no folder does either (each module at the worker's top stands on its own; index.ts imports everything),
// and only the entry point imports routes/. A new circle fails here with the files that close it.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { circles, importGraph } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Test support (fixtures) may import the whole worker; only source modules count. */
const graph = new Map([...importGraph(ROOT, ['worker', 'tracker/src'])].filter(([file]) => !file.startsWith('worker/test/')));

/** A module's folder; a module at the worker's top (index.ts, config.ts, env.ts, log.ts) stands on its own. */
function folderOf(file: string): string {
  return dirname(file) === 'worker' ? file : dirname(file);
}

function folderEdges(): Map<string, Map<string, string[]>> {
  const edges = new Map<string, Map<string, string[]>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const out = edges.get(from) ?? new Map<string, string[]>();
    edges.set(from, out);
    for (const target of targets) {
      if (!graph.has(target) || folderOf(target) === from) continue;
      out.set(folderOf(target), [...(out.get(folderOf(target)) ?? []), `${file} → ${target}`]);
    }
  }
  return edges;
}

describe('imports', () => {
  it('the graph is read (the check would pass on nothing otherwise)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('worker/index.ts')).toContain('worker/routes/ingest.ts');
  });

  it('no module is part of an import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('no folder is part of an import circle', () => {
    const edges = folderEdges();
    const found = circles(new Map([...edges].map(([folder, out]) => [folder, [...out.keys()]])));
    // Name the imports that close each circle, so the failure says what to move.
    const explained = found.map((group) => group.flatMap((from) => group.flatMap((to) => edges.get(from)?.get(to) ?? [])));
    expect(explained).toEqual([]);
  });

  it('only the entry point imports routes/', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      file === 'worker/index.ts' || file.startsWith('worker/routes/') ? [] : targets.filter((t) => t.startsWith('worker/routes/')).map((t) => `${file} → ${t}`),
    );
    expect(upward).toEqual([]);
  });
});
