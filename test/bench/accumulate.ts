// 4b. Fewer calls under sustained load (issue 13): purchases posted at a fixed rate (>= 50 orders/s,
// one queue message each) on a stack with DELIVERY_WINDOW_S=10 (worker/delivery/accumulator.ts).
// Counted at the simulator: SALESmanago calls per 1,000 purchases; from the ledger: the delay of the
// slowest purchase (accepted -> marked delivered).
import type { Simulator } from '../simulator/server.ts';
import { waitForArrivals } from './arrivals.ts';
import { runLoad } from './load.ts';
import { sendAll } from './send.ts';
import { mixedDay } from './workloads.ts';
import { callsSince, lastCallSeq } from './sim-control.ts';
import { formatNumber, type BenchOutcome, type Row } from './table.ts';
import { runTag } from './traffic.ts';

const ACCUMULATE_GOAL_CALLS_PER_1000 = 5;

export interface AccumulateOptions {
  workerUrl: string;
  simulatorUrl: string;
  rate: number;
  durationS: number;
  windowS: number;
  simulator: Simulator;
  ledgerSelect: <T>(sql: string, ...params: (string | number)[]) => T[] | null;
}

export async function benchAccumulate(options: AccumulateOptions): Promise<BenchOutcome> {
  const tag = runTag();
  const firstSeq = await lastCallSeq(options.simulatorUrl);
  const load = await runLoad({ url: options.workerUrl, target: 'shop-event', durationS: options.durationS, connections: 8, rate: options.rate, tag });
  const accepted = load.statuses['202'] ?? 0;
  const pattern = `s:purchase:B${tag}-%`;
  const count = () =>
    options.ledgerSelect<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM deliveries WHERE id LIKE ? GROUP BY status', pattern) ?? [];
  const deadline = performance.now() + 120_000;
  for (;;) {
    const delivered = count().find((r) => r.status === 'delivered')?.n ?? 0;
    if (delivered >= accepted || performance.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1_500));
  const calls = (await callsSince(options.simulatorUrl, firstSeq)).filter((c) => c.path.startsWith('/api/'));
  const statuses = Object.fromEntries(count().map((r) => [r.status, Number(r.n)]));
  const delays = (
    options.ledgerSelect<{ d: number }>("SELECT updated_at - accepted_at AS d FROM deliveries WHERE id LIKE ? AND status = 'delivered' ORDER BY d", pattern) ??
    []
  ).map((r) => Number(r.d));
  const delivered = statuses.delivered ?? 0;
  const perThousand = delivered > 0 ? (calls.length / delivered) * 1000 : NaN;
  // The fewest calls these purchases can take at 400 items a call: an upsert and an event call each.
  const floor = delivered > 0 ? ((Math.ceil(delivered / 400) * 2) / delivered) * 1000 : NaN;
  const byPath: Record<string, number> = {};
  for (const c of calls) byPath[c.path] = (byPath[c.path] ?? 0) + 1;
  const bench = '4b Calls under sustained load';
  const max = delays.at(-1) ?? NaN;
  const rows: Row[] = [
    {
      bench,
      figure: `SALESmanago calls per 1,000 purchases at ${options.rate} orders/s (one message each)`,
      result: `${formatNumber(perThousand, 1)} (${calls.length} calls for ${formatNumber(delivered)} delivered of ${formatNumber(accepted)} accepted: ${Object.entries(
        byPath,
      )
        .map(([p, n]) => `${p.split('/').pop()} ${n}`)
        .join(', ')}; the fewest possible for ${formatNumber(delivered)}: ${formatNumber(floor, 2)})`,
      goal: `<= ${ACCUMULATE_GOAL_CALLS_PER_1000}`,
      met: delivered >= accepted && perThousand <= ACCUMULATE_GOAL_CALLS_PER_1000,
    },
    {
      bench,
      figure: 'slowest purchase: accepted -> delivered',
      result: `${formatNumber(max / 1000, 1)} s (median ${formatNumber((delays[Math.floor(delays.length / 2)] ?? NaN) / 1000, 1)} s)`,
      goal: `bounded by the ${options.windowS} s window (+ batch timeout and calls)`,
      met: null,
    },
  ];
  // Mixed traffic (bench 4's day mix: beacons, carts, orders), sent as fast as 6 clients go.
  const mixedSeq = await lastCallSeq(options.simulatorUrl);
  const report = await sendAll(options.workerUrl, mixedDay(runTag(), 1_000));
  const wait = await waitForArrivals(options.simulator, report.expected, { since: performance.now(), timeoutMs: 150_000 });
  await new Promise((r) => setTimeout(r, 2_000));
  const mixedCalls = (await callsSince(options.simulatorUrl, mixedSeq)).filter((c) => c.path.startsWith('/api/'));
  const mixedByPath: Record<string, number> = {};
  for (const c of mixedCalls) mixedByPath[c.path] = (mixedByPath[c.path] ?? 0) + 1;
  rows.push({
    bench,
    figure: "SALESmanago calls per 1,000 mixed events (bench 4's mix), with the accumulator",
    result: `${formatNumber((mixedCalls.length / Math.max(1, report.acceptedEvents)) * 1000, 1)} (${mixedCalls.length} calls for ${formatNumber(report.acceptedEvents)} events, ${wait.arrivals.missing} missing: ${Object.entries(
      mixedByPath,
    )
      .map(([p, n]) => `${p.split('/').pop()} ${n}`)
      .join(', ')})`,
    goal: '',
    met: null,
  });
  return {
    rows,
    notes: [
      `Accumulator: ${options.rate} signed purchases/s for ${options.durationS} s, DELIVERY_WINDOW_S=${options.windowS}; ledger after: ${JSON.stringify(statuses)}.`,
    ],
    data: {
      accepted,
      statuses,
      callCount: calls.length,
      byPath,
      perThousand,
      floor,
      delays: { n: delays.length, max },
      calls: calls.map((c) => ({ at: c.at, path: c.path.split('/').pop(), items: c.items })),
    },
  };
}
