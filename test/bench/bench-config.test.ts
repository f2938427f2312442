// The benchmarks' copy of wrangler.toml: checked against the real file, so that a change to
// wrangler.toml that the rewrite no longer understands fails here rather than in the middle of a bench run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../stack/processes.ts';
import { benchConfig } from './bench-stack.ts';

const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
const options = { root: '/repo', bundle: '/build/worker/index.js', assets: '/build/assets', rateLimit: 12_345 };

function topLevel(text: string): string {
  return text.slice(0, text.search(/^\s*\[/m));
}

describe('benchConfig', () => {
  it('serves the frozen build and keeps the migrations of the repository', () => {
    const out = benchConfig(toml, { ...options, consumers: true });
    expect(topLevel(out)).toMatch(/^main = "\/build\/worker\/index\.js"$/m);
    expect(topLevel(out)).toMatch(/^no_bundle = true$/m);
    expect(out).toMatch(/^directory = "\/build\/assets"$/m);
    expect(out).toMatch(/^migrations_dir = "\/repo\/worker\/migrations"$/m);
  });

  it('raises every rate limit and nothing else', () => {
    const out = benchConfig(toml, { ...options, consumers: true });
    const limits = [...out.matchAll(/\blimit = (\d+)/g)].map((m) => m[1]);
    expect(limits.length).toBe([...toml.matchAll(/\blimit = \d+/g)].length);
    expect(new Set(limits)).toEqual(new Set(['12345']));
    expect(out).toContain('max_batch_size');
  });

  it('drops the queue consumers only when asked, keeping the producer', () => {
    const consumersIn = (text: string) => text.match(/^\[\[queues\.consumers\]\]/gm)?.length ?? 0;
    expect(consumersIn(benchConfig(toml, { ...options, consumers: true }))).toBe(consumersIn(toml));
    const without = benchConfig(toml, { ...options, consumers: false });
    expect(consumersIn(without)).toBe(0);
    expect(without).not.toContain('dead_letter_queue');
    expect(without).toMatch(/^\[\[queues\.producers\]\]/m);
    expect(without).toMatch(/^\[\[ratelimits\]\]/m);
  });

  it('refuses a wrangler.toml it does not understand', () => {
    expect(() => benchConfig('name = "x"\nmain = "a.ts"\n', { ...options, consumers: false })).toThrow(/no longer has/);
  });
});
