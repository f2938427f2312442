// Import bench: `node test/bench/import.ts [--orders=100000]` (not part of `npm run bench`: it takes
// minutes of its own). Generates an order export (generic CSV, 1-3 lines an order), runs `npm run
// import`'s loop (cli/import/run.mjs) against the local stack (wrangler dev + the SALESmanago simulator,
// the frozen bench build), and reports the import's throughput (rows/s as read from the file, orders/s
// as accepted) and, once every order is delivered, SALESmanago calls per 1,000 orders.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runImport } from '../../cli/import/run.mjs';
import { generateOrders } from '../import/generate.ts';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { buildWorker, startBenchStack } from './bench-stack.ts';
import { callsSince, lastCallSeq } from './sim-control.ts';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '100000' }, 'drain-timeout': { type: 'string', default: '1800' } } });
const orders = Number(values.orders);
const drainTimeoutMs = Number(values['drain-timeout']) * 1000;

const dir = mkdtempSync(join(tmpdir(), 'sm-edge-import-bench-'));
const build = await buildWorker();
const bench = await startBenchStack({ build, rateLimit: 10_000_000, consumers: true });
try {
  const seed = `b${Date.now().toString(36)}`;
  const { csv, rows } = generateOrders(orders, { seed });
  const file = join(dir, 'orders.csv');
  writeFileSync(file, csv);
  console.log(`${orders} orders, ${rows} CSV rows (${(csv.length / 1e6).toFixed(1)} MB)`);
  const firstSeq = await lastCallSeq(bench.stack.simulatorUrl);
  const started = performance.now();
  const summary = await runImport({
    url: bench.stack.workerUrl, file, secret: LOCAL_SECRETS.SHOP_API_SECRET,
    log: (line) => console.log(`  ${line}`),
  });
  const importS = (performance.now() - started) / 1000;
  console.log(`import: ${summary.accepted} accepted, ${summary.duplicate} duplicate, ${summary.refused} refused, ${summary.requests} requests in ${importS.toFixed(1)} s`);
  console.log(`  throughput: ${Math.round(rows / importS)} CSV rows/s, ${Math.round(summary.accepted / importS)} orders/s`);

  // Delivery: every purchase row of this run delivered (or given up on), then the calls counted.
  const pattern = [`s:purchase:${seed}-%`];
  let statuses: Record<string, number> | null = null;
  const deadline = Date.now() + drainTimeoutMs;
  while (Date.now() < deadline) {
    statuses = bench.ledgerStatuses(pattern);
    const open = Object.entries(statuses ?? {}).filter(([s]) => !['delivered', 'dead', 'failed'].includes(s)).reduce((n, [, c]) => n + c, 0);
    if (statuses && open === 0 && (statuses.delivered ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const drainS = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 3_000));
  const calls = await callsSince(bench.stack.simulatorUrl, firstSeq);
  const byPath: Record<string, number> = {};
  for (const c of calls) byPath[c.path] = (byPath[c.path] ?? 0) + 1;
  console.log(`delivery: ${JSON.stringify(statuses)} after ${drainS.toFixed(0)} s from the start`);
  console.log(`  SALESmanago calls: ${calls.length} = ${((calls.length / Math.max(summary.accepted, 1)) * 1000).toFixed(1)} per 1,000 orders (${((calls.length / rows) * 1000).toFixed(1)} per 1,000 CSV rows)`);
  console.log(`  by path: ${Object.entries(byPath).map(([p, n]) => `${p} ${n}`).join(', ')}`);
} finally {
  await bench.stop();
  build.remove();
  rmSync(dir, { recursive: true, force: true });
}
