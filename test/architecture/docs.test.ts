// The documentation's links and the code's citations stay true: every relative link and anchor between
// the markdown pages resolves, and every file, section or constant a comment cites exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../stack/processes.ts';

const PAGES = [
  'README.md',
  'ARCHITECTURE.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function headingsOf(file: string): string[] {
  return readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .filter((l) => /^#{1,6}\s/.test(l))
    .map((l) =>
      l
        .replace(/^#+\s+/, '')
        .replace(/^\d+\.\s+/, '')
        .replace(/`/g, '')
        .trim()
        .toLowerCase(),
    );
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${entry}`;
    if (entry === 'node_modules') continue;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...filesUnder(path, pattern));
    else if (pattern.test(entry)) out.push(path);
  }
  return out;
}

describe('markdown links', () => {
  it('every relative link and anchor between the pages resolves', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = readFileSync(join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path ? relative(ROOT, resolve(dirname(join(ROOT, page)), path)) : page;
        if (!existsSync(join(ROOT, file))) {
          broken.push(`${page}: ${target} (no such file)`);
          continue;
        }
        if (anchor && file.endsWith('.md') && !anchorsOf(readFileSync(join(ROOT, file), 'utf8')).has(anchor)) {
          broken.push(`${page}: ${target} (no such heading in ${file})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('computes anchors the way GitHub does', () => {
    expect([...anchorsOf("## Merchant's set-up\n## Shop platforms: WooCommerce and Shopify, without code\n## A\n## A")]).toEqual([
      'merchants-set-up',
      'shop-platforms-woocommerce-and-shopify-without-code',
      'a',
      'a-1',
    ]);
  });
});

describe('citations in code comments', () => {
  const sources = [
    ...filesUnder('worker', /\.(ts|tsx|sql)$/),
    ...filesUnder('tracker', /\.(ts|mjs)$/),
    ...filesUnder('test', /\.(ts|mjs|php|sh)$/),
    'wrangler.toml',
    '.ci/run',
    'rollup.config.mjs',
    'vitest.config.ts',
  ];
  const workerFolders = readdirSync(join(ROOT, 'worker')).filter((f) => statSync(join(ROOT, 'worker', f)).isDirectory());

  it('every cited file exists', () => {
    const stale: string[] = [];
    const full = /(?<![\w/.-])((?:worker|tracker|test|docs)\/[\w./-]+\.(?:tsx?|mjs|md|sql|php|sh|json))\b/g;
    const short = new RegExp(`(?<![\\w/.-])((?:${workerFolders.join('|')})/[\\w-]+\\.tsx?)\\b`, 'g');
    for (const file of sources) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, path] of text.matchAll(full)) {
        if (!existsSync(join(ROOT, path!))) stale.push(`${file}: ${path}`);
      }
      for (const [, path] of text.matchAll(short)) {
        const candidates = [
          join(ROOT, path!),
          join(ROOT, 'worker', path!),
          join(ROOT, 'tracker/src', path!),
          join(ROOT, 'test', path!),
          join(ROOT, dirname(file), path!),
        ];
        if (!candidates.some((c) => existsSync(c))) stale.push(`${file}: ${path}`);
      }
    }
    expect(stale).toEqual([]);
  });

  it('every cited section of a page exists', () => {
    const stale: string[] = [];
    // A page and a quoted section, also across a comment's line break (page, newline, comment marker, quoted section).
    const cite = /\b(README|ARCHITECTURE|CONTRIBUTING|docs\/[\w-]+)(?:\.md)?,?(?:\s*\n\s*(?:\/\/|\*|#))? \(?"([^"\n]+)"/g;
    for (const file of sources) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, page, section] of text.matchAll(cite)) {
        const path = page!.startsWith('docs/') ? `${page}.md` : `${page}.md`;
        if (!existsSync(join(ROOT, path))) {
          stale.push(`${file}: ${page} "${section}" (no such page)`);
          continue;
        }
        const wanted = section!.replace(/`/g, '').toLowerCase();
        if (!headingsOf(path).some((h) => h.startsWith(wanted))) stale.push(`${file}: ${page} "${section}"`);
      }
    }
    expect(stale).toEqual([]);
  });

  it('every cited constant is in the file named', () => {
    const stale: string[] = [];
    const cite = /\b([\w/-]+\.tsx?) ([A-Z][A-Z0-9_]{3,})\b/g;
    for (const file of sources) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, path, name] of text.matchAll(cite)) {
        const found = filesUnder('worker', /\.tsx?$/)
          .concat(filesUnder('tracker/src', /\.ts$/), filesUnder('test', /\.ts$/))
          .filter((f) => f.endsWith(`/${path!}`) || f === path);
        if (found.length === 0) stale.push(`${file}: ${path} ${name} (no such file)`);
        else if (!found.some((f) => readFileSync(join(ROOT, f), 'utf8').includes(name!))) stale.push(`${file}: ${path} ${name}`);
      }
    }
    expect(stale).toEqual([]);
  });
});
