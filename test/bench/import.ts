// Import bench (`npm run bench`, bench 10; alone: `npm run bench -- --only=import --import-orders=100000`,
// or `node test/bench/import.ts [--orders=100000]`). Generates an order export (generic CSV, 1-3 lines
// an order), runs `npm run import`'s loop (cli/import/run.mjs) against the local stack (wrangler dev +
// the SALESmanago simulator, the frozen bench build), and reports the import's throughput (rows/s as
// read from the file, orders/s as accepted) and, once every order is delivered, SALESmanago calls per
// 1,000 rows and per 1,000 orders.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runImport } from '../../cli/import/run.mjs';
import { generateOrders } from '../import/generate.ts';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { buildWorker, startBenchStack, type BenchStack } from './bench-stack.ts';
import { callsSince, lastCallSeq } from './sim-control.ts';
import { formatNumber, type BenchOutcome } from './table.ts';

const TITLE = '10 History import';

export interface ImportBenchOptions {
  bench: BenchStack;
  orders: number;
  drainTimeoutMs: number;
  log?: (line: string) => void;
}

export async function benchImport(options: ImportBenchOptions): Promise<BenchOutcome> {
  const { bench, orders } = options;
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'sm-edge-import-bench-'));
  try {
    const seed = `b${Date.now().toString(36)}`;
    const { csv, rows } = generateOrders(orders, { seed });
    const file = join(dir, 'orders.csv');
    writeFileSync(file, csv);
    log(`${orders} orders, ${rows} CSV rows (${(csv.length / 1e6).toFixed(1)} MB)`);
    const firstSeq = await lastCallSeq(bench.stack.simulatorUrl);
    const started = performance.now();
    const summary = await runImport({ url: bench.stack.workerUrl, file, secret: LOCAL_SECRETS.SHOP_API_SECRET, log: (line: string) => log(`  ${line}`) });
    const importS = (performance.now() - started) / 1000;
    const rowsPerS = rows / importS;
    const ordersPerS = summary.accepted / importS;

    // Delivery: every purchase row of this run delivered (or given up on), then the calls counted.
    const pattern = [`s:purchase:${seed}-%`];
    let statuses: Record<string, number> | null = null;
    const deadline = Date.now() + options.drainTimeoutMs;
    let drained = false;
    while (Date.now() < deadline) {
      statuses = bench.ledgerStatuses(pattern);
      const open = Object.entries(statuses ?? {})
        .filter(([s]) => !['delivered', 'dead', 'failed'].includes(s))
        .reduce((n, [, c]) => n + c, 0);
      if (statuses && open === 0 && (statuses.delivered ?? 0) > 0) {
        drained = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const drainS = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3_000));
    const calls = await callsSince(bench.stack.simulatorUrl, firstSeq);
    const byPath: Record<string, number> = {};
    for (const c of calls) byPath[c.path] = (byPath[c.path] ?? 0) + 1;
    const per1000Rows = (calls.length / Math.max(rows, 1)) * 1000;
    const per1000Orders = (calls.length / Math.max(summary.accepted, 1)) * 1000;
    const paths = Object.entries(byPath)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    return {
      rows: [
        {
          bench: TITLE,
          figure: `import throughput (${formatNumber(orders)} orders, ${formatNumber(rows)} CSV rows, signed batches of 500)`,
          result: `${formatNumber(rowsPerS)} rows/s (${formatNumber(ordersPerS)} orders/s, ${formatNumber(importS, 1)} s)`,
          goal: '',
          met: null,
        },
        {
          bench: TITLE,
          figure: 'SALESmanago calls per 1,000 rows (per 1,000 orders)',
          result: drained
            ? `${formatNumber(per1000Rows, 1)} (${formatNumber(per1000Orders, 1)})`
            : `not drained in ${formatNumber(drainS)} s: ${JSON.stringify(statuses)}`,
          goal: '',
          met: drained ? null : false,
        },
      ],
      notes: [
        `History import: ${summary.accepted} accepted, ${summary.duplicate} duplicate, ${summary.refused} refused in ${summary.requests} requests; every order delivered ${formatNumber(drainS)} s after the start; calls by path: ${paths || 'none'}.`,
      ],
      data: { orders, rows, importS, rowsPerS, ordersPerS, summary, drainS, drained, statuses, calls: calls.length, byPath, per1000Rows, per1000Orders },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Alone: `node test/bench/import.ts [--orders=100000] [--drain-timeout=1800]`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { orders: { type: 'string', default: '100000' }, 'drain-timeout': { type: 'string', default: '1800' } } });
  const build = await buildWorker();
  const bench = await startBenchStack({ build, rateLimit: 10_000_000, consumers: true });
  try {
    const outcome = await benchImport({
      bench,
      orders: Number(values.orders),
      drainTimeoutMs: Number(values['drain-timeout']) * 1000,
      log: (l) => console.log(l),
    });
    for (const r of outcome.rows) console.log(`${r.figure}: ${r.result}`);
    for (const n of outcome.notes) console.log(`- ${n}`);
  } finally {
    await bench.stop();
    build.remove();
  }
}
