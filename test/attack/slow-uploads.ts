// Issue 20 item 1, measured: slow forged uploads against a signed client (node test/attack/slow-uploads.ts).
// A local stack (wrangler dev and the simulator); a signed client posts 10 purchases a second to
// /api/v1/events in phases of PHASE_S seconds, alternately alone and while 4, 16 or 64 strangers each
// hold a POST /api/v1/batch open with a well-formed but wrong signature, half of them declaring
// Content-Length: 4194304, sending 1 KB every 250 ms (reopened when the worker cuts one off). Prints, per
// phase, the purchases that failed and p50/p99, and each attack phase's p99 against the alone phase just
// before it; with --rounds=N the levels are repeated N times and pooled. Goal: 0 failures, p99
// within 1.5x.
import { request as httpRequest, type ClientRequest } from 'node:http';
import { signature } from '../shop-examples/sm-edge.mjs';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { startStack } from '../stack/stack.ts';

const PHASE_S = Number(process.argv.find((a) => a.startsWith('--phase='))?.slice(8) ?? 30);
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 1);
const LEVELS = (process.argv.find((a) => a.startsWith('--levels='))?.slice(9) ?? '4,16,64').split(',').map(Number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps `count` slow forged uploads open until stop(); counts how the worker answered them. */
function slowUploads(base: URL, count: number) {
  const answers: Record<string, number> = {};
  const open = new Set<ClientRequest>();
  let stopped = false;
  const start = (i: number) => {
    if (stopped) return;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Sm-Edge-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
    };
    if (i % 2 === 0) headers['Content-Length'] = String(4 * 1024 * 1024);
    const req = httpRequest({ host: base.hostname, port: base.port, path: '/api/v1/batch', method: 'POST', headers });
    open.add(req);
    const timer = setInterval(() => req.write(Buffer.alloc(1024, 32)), 250);
    const done = (key: string) => {
      clearInterval(timer);
      if (!open.delete(req)) return;
      answers[key] = (answers[key] ?? 0) + 1;
      req.destroy();
      setTimeout(() => start(i), 50);
    };
    req.on('response', (res) => {
      res.resume();
      done(String(res.statusCode));
    });
    req.on('error', () => done('connection closed'));
  };
  for (let i = 0; i < count; i += 1) start(i);
  return {
    answers,
    stop() {
      stopped = true;
      for (const req of open) req.destroy();
      open.clear();
    },
  };
}

interface Phase {
  attackers: number;
  sent: number;
  failed: number;
  failures: Record<string, number>;
  latencies: number[];
  p50: number;
  p99: number;
  slow: Record<string, number>;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;

async function phase(workerUrl: string, attackers: number): Promise<Phase> {
  const slow = attackers > 0 ? slowUploads(new URL(workerUrl), attackers) : null;
  if (slow) await sleep(2_000); // the uploads are open and trickling before the first purchase
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const inFlight: Promise<void>[] = [];
  const started = Date.now();
  for (let i = 0; i < PHASE_S * 10; i += 1) {
    const due = started + i * 100;
    if (due > Date.now()) await sleep(due - Date.now());
    const body = JSON.stringify({
      type: 'purchase',
      orderId: `SLOW-${attackers}-${Date.now().toString(36)}-${i}`,
      email: `buyer${i}@example.com`,
      value: 10,
      currency: 'PLN',
      products: [{ id: 'sku-1', quantity: 1, price: 10 }],
      occurredAt: new Date().toISOString(),
    });
    const sentAt = performance.now();
    inFlight.push(
      fetch(`${workerUrl}/api/v1/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': signature(LOCAL_SECRETS.SHOP_API_SECRET, 'POST', '/api/v1/events', body) },
        body,
      })
        .then(async (res) => {
          await res.arrayBuffer();
          latencies.push(performance.now() - sentAt);
          if (res.status !== 202) failures[res.status] = (failures[res.status] ?? 0) + 1;
        })
        .catch((err: Error) => {
          failures[err.message] = (failures[err.message] ?? 0) + 1;
        }),
    );
  }
  await Promise.all(inFlight);
  slow?.stop();
  const sorted = latencies.sort((a, b) => a - b);
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  return {
    attackers,
    sent: PHASE_S * 10,
    failed,
    failures,
    latencies: sorted,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    slow: slow?.answers ?? {},
  };
}

const stack = await startStack();
try {
  await phase(stack.workerUrl, 0); // warm-up, not reported
  const rows: { alone: Phase; attacked: Phase }[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const level of LEVELS) {
      const alone = await phase(stack.workerUrl, 0);
      await sleep(1_000);
      const attacked = await phase(stack.workerUrl, level);
      rows.push({ alone, attacked });
      await sleep(1_000);
    }
  }
  const f = (x: number) => x.toFixed(1);
  console.log(`\n${PHASE_S} s phases, 10 signed purchases/s, ${ROUNDS} round(s); p99 ratio = attacked ÷ the alone phase just before\n`);
  console.log(
    '| slow forged uploads | purchases failed | p50 alone / attacked (ms) | p99 alone / attacked (ms) | p99 ratio per round | pooled p99 ratio | slow uploads answered |',
  );
  console.log('| ---: | ---: | ---: | ---: | --- | ---: | --- |');
  for (const level of LEVELS) {
    const mine = rows.filter((r) => r.attacked.attackers === level);
    const pool = (which: 'alone' | 'attacked') => mine.flatMap((r) => r[which].latencies).sort((a, b) => a - b);
    const alone = pool('alone'),
      attacked = pool('attacked');
    const failed = mine.reduce((n, r) => n + r.attacked.failed, 0),
      aloneFailed = mine.reduce((n, r) => n + r.alone.failed, 0);
    const answered: Record<string, number> = {};
    for (const r of mine) for (const [k, v] of Object.entries(r.attacked.slow)) answered[k] = (answered[k] ?? 0) + v;
    const ratios = mine.map((r) => (r.attacked.p99 / r.alone.p99).toFixed(2)).join(', ');
    console.log(
      `| ${level} | ${failed} of ${mine.length * PHASE_S * 10} (alone: ${aloneFailed}) | ${f(quantile(alone, 0.5))} / ${f(quantile(attacked, 0.5))} | ${f(quantile(alone, 0.99))} / ${f(quantile(attacked, 0.99))} | ${ratios} | ${(quantile(attacked, 0.99) / quantile(alone, 0.99)).toFixed(2)} | ${JSON.stringify(answered)} |`,
    );
    for (const r of mine) if (r.attacked.failed > 0) console.log(`  failures: ${JSON.stringify(r.attacked.failures)}`);
  }
} finally {
  await stack.stop();
}
