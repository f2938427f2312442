// Crashes (issue 13): workerd killed (SIGKILL) in the middle of a delivery backlog, then started again
// on the same local state (D1, KV, queues under --persist-to), the same simulator: every accepted
// event is delivered exactly once after the restart, with the reconciliation (POST
// /admin/replay?status=queued, which the hourly run does for rows 15 minutes overdue) bringing back
// what the lost local queue held. Killed while SALESmanago is down (every call failing): exactly once.
// Killed while SALESmanago is slow, an event add is in flight: SALESmanago stores it after the worker
// died, before the ledger could record it (the crash between SALESmanago's answer and the ledger
// write); the restart sends that chunk again. Nothing is missing, and the duplicates are at most the
// chunk in flight (CHUNK_SIZE): the residual risk docs/delivery.md "Delivery guarantees" names, measured here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SECRETS, localWorkerVars } from '../stack/local-values.ts';
import { WRANGLER, freePort, start, waitFor, type Child } from '../stack/processes.ts';
import { startStack, type Stack } from '../stack/stack.ts';
import { countArrivals } from './arrivals.ts';
import { ledgerFile, sqlite } from './bench-stack.ts';
import { sendAll } from './send.ts';
import { setFaults } from './sim-control.ts';
import { runTag } from './traffic.ts';
import { ledgerPatterns, volume } from './workloads.ts';
import { CHUNK_SIZE } from '../../worker/salesmanago/limits.ts';

const VARS = { SALESMANAGO_TIMEOUT_MS: '1000', DELIVERY_RETRY_BASE_S: '1' };

let persistTo: string;
let stack: Stack;
let worker: Child;
let port: number;

function kill9(child: Child): Promise<void> {
  const pid = child.process.pid;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  if (pid !== undefined) process.kill(-pid, 'SIGKILL');
  return exited;
}

/** wrangler dev again on the same state and port (the simulator's callbacks point at it). */
async function restart(): Promise<void> {
  const vars = { ...localWorkerVars(stack.simulatorUrl), ...VARS };
  worker = start(process.execPath, [
    WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
    '--persist-to', persistTo, '--show-interactive-dev-session=false', '--log-level', 'warn',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ], { env: { WRANGLER_SEND_METRICS: 'false', CI: 'true' } });
  await waitFor(`${stack.workerUrl}/health`, 60_000, worker);
}

function statuses(tag: string): Record<string, number> {
  const file = ledgerFile(persistTo);
  if (!file) return {};
  const db = new (sqlite().DatabaseSync)(file, { readOnly: true });
  try {
    const patterns = ledgerPatterns(tag);
    const rows = db.prepare(`SELECT status, COUNT(*) AS n FROM deliveries WHERE ${patterns.map(() => 'id LIKE ?').join(' OR ')} GROUP BY status`).all(...patterns) as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  } finally {
    db.close();
  }
}

async function reconcile(): Promise<unknown> {
  const auth = Buffer.from(`admin:${LOCAL_SECRETS.ADMIN_PASSWORD}`).toString('base64');
  const res = await fetch(`${stack.workerUrl}/admin/replay?status=queued`, { method: 'POST', headers: { authorization: `Basic ${auth}` } });
  expect(res.status).toBe(200);
  return res.json();
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

beforeAll(async () => {
  persistTo = mkdtempSync(join(tmpdir(), 'sm-edge-crash-'));
  stack = await startStack({ persistTo, vars: VARS });
  worker = stack.worker;
  port = Number(new URL(stack.workerUrl).port);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await stack?.stop();
  rmSync(persistTo, { recursive: true, force: true });
}, 60_000);

describe('a crash of workerd mid-delivery', () => {
  for (const mode of ['slow', 'down'] as const) {
    const what = mode === 'down' ? 'every accepted event exactly once' : 'every accepted event delivered, duplicates only of the chunk in flight';
    it(`kill -9 with a backlog (SALESmanago ${mode}), restart on the same state: ${what}`, async () => {
      const tag = runTag();
      // 600 events: beacons of 20 (queue-first: no ledger row until consumed) and 30 % shop events
      // (ledger row written by the request).
      const items = volume(tag, 600, { perBeacon: 20, shopShare: 0.3 });
      await setFaults(stack.simulatorUrl, mode === 'slow' ? { '*': { latencyMs: 400 } } : { '*': { errorRate: 1 } });
      const report = await sendAll(stack.workerUrl, items);
      expect(report.refused).toBe(0);
      // Mid-backlog: some delivered (slow) or all still waiting (down).
      if (mode === 'slow') await until(() => countArrivals(stack.simulator, report.expected).delivered > 50, 20_000);
      else await new Promise((r) => setTimeout(r, 1_500));
      const before = countArrivals(stack.simulator, report.expected);
      await kill9(worker);
      await setFaults(stack.simulatorUrl, {});
      await restart();
      const answer = await reconcile();
      const done = await until(() => countArrivals(stack.simulator, report.expected).missing === 0, 60_000);
      await new Promise((r) => setTimeout(r, 2_000));
      const after = countArrivals(stack.simulator, report.expected);
      console.log(`crash (${mode}): ${before.delivered} of ${report.expected.size} delivered before the kill; after the restart ${after.delivered}, duplicates ${after.duplicates}; ledger ${JSON.stringify(statuses(tag))}; reconcile ${JSON.stringify(answer)}`);
      expect(done, JSON.stringify(after.missingSample)).toBe(true);
      expect(after.missing).toBe(0);
      if (mode === 'down') expect(after.duplicates).toBe(0);
      else expect(after.duplicates).toBeLessThanOrEqual(CHUNK_SIZE);
      expect(statuses(tag).queued ?? 0).toBe(0);
    }, 150_000);
  }
});
