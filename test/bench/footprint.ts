// 7. Worker footprint: the deployable bundle's size, and the time to evaluate it at startup.
// Startup is measured two ways:
//  - Node 22: median over fresh processes of `await import(bundle)` (V8 compiling and running the
//    bundle's top level, after a warm-up import so that the module loader's own start-up is excluded);
//  - workerd: `wrangler check startup`, which profiles the startup phase in the local workerd and
//    reports its active CPU time (sampled, so coarse; fewer rounds because each takes seconds).
import { stripVTControlCharacters } from 'node:util';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { WRANGLER, run } from '../stack/processes.ts';
import { summarize, type Summary } from './stats.ts';
import { formatNumber, formatSummary, type BenchOutcome, type Row } from './table.ts';

/** Cloudflare's limits (developers.cloudflare.com/workers/platform/limits): startup 1 s; size 3 MB gzip on the free plan. */
const STARTUP_LIMIT_MS = 1_000;
const FREE_PLAN_GZIP_BYTES = 3 * 1024 * 1024;

export interface FootprintOptions {
  /** The worker bundled by `wrangler deploy --dry-run --outdir` (bench-stack.ts buildWorker). */
  bundle: string;
  nodeRounds: number;
  workerdRounds: number;
}

// Runs in a fresh Node: stubs `cloudflare:*` imports (none today, but a Worker may use them), warms
// the ES module loader with an empty module, then times the bundle's import.
const IMPORT_TIMER = `
import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  return specifier.startsWith('cloudflare:') ? { url: 'data:text/javascript,export default {}', shortCircuit: true } : next(specifier, context);
} });
await import(process.argv[1]);
const started = performance.now();
await import(process.argv[2]);
process.stdout.write(String(performance.now() - started));
`;

function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.slice(0, 3).join(' ')} exited ${code}: ${out.slice(-500)}`))));
  });
}

async function nodeImportMs(emptyModule: string, bundle: string): Promise<number> {
  const out = await output(process.execPath, [
    '--no-warnings',
    '--input-type=module',
    '-e',
    IMPORT_TIMER,
    pathToFileURL(emptyModule).href,
    pathToFileURL(bundle).href,
  ]);
  const ms = Number(out.trim());
  if (!Number.isFinite(ms)) throw new Error(`import timer printed ${out.slice(0, 200)}`);
  return ms;
}

async function workerdStartupMs(workerBundle: string, profile: string): Promise<number> {
  const out = await output(process.execPath, [WRANGLER, 'check', 'startup', '--worker', workerBundle, '--outfile', profile]);
  // eslint-disable-next-line no-control-regex
  const active = /Active:\s*([\d.]+)\s*ms/.exec(stripVTControlCharacters(out));
  if (!active?.[1]) throw new Error(`wrangler check startup printed no "Active" time: ${out.slice(-300)}`);
  return Number(active[1]);
}

export async function benchFootprint(options: FootprintOptions): Promise<BenchOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'sm-edge-footprint-'));
  try {
    const env = { WRANGLER_SEND_METRICS: 'false', CI: 'true' };
    const bundle = options.bundle;
    const code = readFileSync(bundle);
    const raw = code.byteLength;
    const gzip = gzipSync(code, { level: 9 }).byteLength;

    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');
    const nodeMs: number[] = [];
    for (let i = 0; i < options.nodeRounds; i++) nodeMs.push(await nodeImportMs(empty, bundle));
    const node: Summary = summarize(nodeMs);

    let workerd: Summary | null = null;
    const workerdMs: number[] = [];
    let workerdError: string | null = null;
    if (options.workerdRounds > 0) {
      try {
        const multipart = join(dir, 'upload', 'worker.bundle');
        await run(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outfile', multipart], env);
        for (let i = 0; i < options.workerdRounds; i++) workerdMs.push(await workerdStartupMs(multipart, join(dir, `startup-${i}.cpuprofile`)));
        workerd = summarize(workerdMs);
      } catch (err) {
        workerdError = err instanceof Error ? err.message : String(err);
      }
    }

    const bench = '7 Worker footprint';
    const rows: Row[] = [
      {
        bench,
        figure: 'bundle (wrangler deploy --dry-run): raw / gzip -9',
        result: `${formatNumber(raw / 1024, 1)} KiB / ${formatNumber(gzip / 1024, 1)} KiB (${formatNumber((gzip / FREE_PLAN_GZIP_BYTES) * 100, 1)}% of the 3 MB free-plan limit)`,
        goal: '< 3 MB gzip',
        met: gzip < FREE_PLAN_GZIP_BYTES,
      },
      {
        bench,
        figure: 'startup: evaluate bundle, Node 22 import',
        result: `${formatSummary(node, 1, ' ms')} = ${formatNumber((node.median / STARTUP_LIMIT_MS) * 100, 1)}% of the 1 s limit`,
        goal: `< ${formatNumber(STARTUP_LIMIT_MS)} ms`,
        met: node.median < STARTUP_LIMIT_MS,
      },
    ];
    if (workerd) {
      rows.push({
        bench,
        figure: 'startup: workerd active CPU (wrangler check startup)',
        result: `${formatSummary(workerd, 1, ' ms')} = ${formatNumber((workerd.median / STARTUP_LIMIT_MS) * 100, 1)}% of the 1 s limit`,
        goal: `< ${formatNumber(STARTUP_LIMIT_MS)} ms`,
        met: workerd.median < STARTUP_LIMIT_MS,
      });
    } else if (workerdError) {
      rows.push({
        bench,
        figure: 'startup: workerd (wrangler check startup)',
        result: `failed: ${workerdError.split('\n')[0]?.slice(0, 100)}`,
        goal: '',
        met: null,
      });
    }
    return {
      rows,
      notes: [
        `Footprint: Node figure = median over ${options.nodeRounds} fresh Node ${process.versions.node} processes of the time to import the dry-run bundle ` +
          '(compile + top-level evaluation; module loader warmed up first). ' +
          (workerd
            ? `workerd figure = "Active" CPU time of the startup profile from \`wrangler check startup\` (${options.workerdRounds} runs; sampled, coarse).`
            : 'workerd startup profile not run (--quick).'),
      ],
      data: { rawBytes: raw, gzipBytes: gzip, nodeImportMs: nodeMs, nodeImport: node, workerdActiveMs: workerdMs, workerd, workerdError },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
