// ARCHITECTURE.md's rule "configuration is read in one place", checked on the source: a worker module
// outside worker/config.ts and worker/settings/ that reads a configuration name (CONFIG_NAMES) from an
// env object (`env.SHOP_DOMAINS`, `c.env['WORKER_URL']`, `const { BENCH_FLOOR } = env`) fails here
// with the file and line. Everything else reads the parsed Config (c.var.config, or the one the queue
// consumer and the hourly job hand down).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Imported by a variable path, as test/stack/deploy-check.ts does: the node project's tsc does not
// type the worker's modules (they need the Workers types).
const configModule = '../../worker/config.ts';
const { CONFIG_NAMES } = (await import(configModule)) as { CONFIG_NAMES: readonly string[] };

/** Test support builds envs for the tests; it reads no configuration for the worker. */
const files = sourceFiles(`${ROOT}worker`)
  .map((f) => relative(ROOT, f))
  .filter((f) => !f.startsWith('worker/test/'));
const allowed = (f: string) => f === 'worker/config.ts' || f.startsWith('worker/settings/');

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Lines that read a configuration name: `.NAME`, `?.NAME`, `['NAME']`, or `{ NAME }` destructured. */
export function configReads(text: string, names: readonly string[]): { line: number; text: string }[] {
  const alternatives = names.join('|');
  const read = new RegExp(`\\??\\.\\s*(${alternatives})\\b|\\[\\s*['"\`](${alternatives})['"\`]\\s*\\]|\\{[^}=]*\\b(${alternatives})\\b[^}]*\\}\\s*=`);
  return withoutComments(text)
    .split('\n')
    .flatMap((line, i) => (read.test(line) ? [{ line: i + 1, text: line.trim() }] : []));
}

describe('one configuration pipeline', () => {
  it('the check knows the names and finds each form of a read (it would pass on nothing otherwise)', () => {
    expect(CONFIG_NAMES).toContain('SHOP_DOMAINS');
    expect(CONFIG_NAMES).toContain('DELIVERY_WINDOW_S');
    const sample = [
      "const a = env.DELIVERY_WINDOW_S ?? '';",
      'if (c.env?.BENCH_FLOOR) {}',
      "const b = env['WORKER_URL'];",
      'const { SHOP_DOMAINS } = c.env;',
      '// env.SHOP_DOMAINS in a comment is no read',
      "problems.push({ name: 'SHOP_DOMAINS', problem: 'is not set' });",
      'const list = config.shopDomains;',
    ].join('\n');
    expect(configReads(sample, CONFIG_NAMES).map((r) => r.line)).toEqual([1, 2, 3, 4]);
    // config.ts itself reads them: the check sees real reads in real files.
    expect(configReads(readFileSync(`${ROOT}worker/config.ts`, 'utf8'), CONFIG_NAMES).length).toBeGreaterThan(20);
  });

  it('no module outside worker/config.ts and worker/settings/ reads a configuration name from env', () => {
    const reads = files
      .filter((f) => !allowed(f))
      .flatMap((f) => configReads(readFileSync(`${ROOT}${f}`, 'utf8'), CONFIG_NAMES).map((r) => `${f}:${r.line}: ${r.text}`));
    expect(reads).toEqual([]);
  });
});
