// 6. Drain rate: events per second from the queue to SALESmanago with no faults, for a backlog of
// 1k and 10k events. The backlog is enqueued as fast as the collector takes it (beacons of 50 events);
// the clock runs from the first request to the moment the last event is stored at the simulator.
import type { Simulator } from '../simulator/server.ts';
import { waitForArrivals } from './arrivals.ts';
import { eventCount, sendAll } from './send.ts';
import { setFaults } from './sim-control.ts';
import { summarize } from './stats.ts';
import { formatNumber, formatSummary, type BenchOutcome, type Row } from './table.ts';
import { runTag } from './traffic.ts';
import { volume } from './workloads.ts';

export interface DrainOptions {
  workerUrl: string;
  simulatorUrl: string;
  simulator: Simulator;
  /** Backlog sizes and how many rounds of each. */
  backlogs: { events: number; rounds: number }[];
  /** Per round. */
  timeoutMs: number;
}

interface DrainRound {
  events: number;
  enqueueMs: number;
  drainMs: number | null;
  delivered: number;
  duplicates: number;
  ended: string;
}

export async function benchDrain(options: DrainOptions): Promise<BenchOutcome> {
  await setFaults(options.simulatorUrl, {});
  const rows: Row[] = [];
  const rounds: DrainRound[] = [];
  const bench = '6 Drain rate';
  for (const backlog of options.backlogs) {
    const mine: DrainRound[] = [];
    for (let round = 0; round < backlog.rounds; round++) {
      const items = volume(runTag(), backlog.events);
      const started = performance.now();
      const report = await sendAll(options.workerUrl, items);
      const enqueueMs = performance.now() - started;
      const wait = await waitForArrivals(options.simulator, report.expected, { since: started, timeoutMs: options.timeoutMs });
      mine.push({
        events: eventCount(items),
        enqueueMs,
        drainMs: wait.drainedMs,
        delivered: wait.arrivals.delivered,
        duplicates: wait.arrivals.duplicates,
        ended: wait.ended,
      });
    }
    rounds.push(...mine);
    const done = mine.filter((r) => r.drainMs !== null);
    const label = `${formatNumber(backlog.events / 1000)}k backlog: events/s to SALESmanago`;
    if (done.length === 0) {
      const last = mine.at(-1);
      rows.push({
        bench,
        figure: label,
        result: `not drained within ${formatNumber(options.timeoutMs / 1000)} s (${formatNumber(last?.delivered ?? 0)} delivered)`,
        goal: '',
        met: null,
      });
      continue;
    }
    const rates = summarize(done.map((r) => r.events / ((r.drainMs as number) / 1000)));
    const enqueue = summarize(mine.map((r) => r.enqueueMs / 1000));
    rows.push({
      bench,
      figure: label,
      result: `${formatSummary(rates, 0)} (enqueue took ${formatSummary(enqueue, 1, ' s')} of it)`,
      goal: '',
      met: null,
    });
  }
  return {
    rows,
    notes: [
      'Drain: backlogs sent as beacons of 50 events (a login, then visits) from identified visitors; rate = events / time from the first request ' +
        'until the last event is stored at the simulator (the consumer starts while the backlog is still being enqueued, so this is a lower bound).',
    ],
    data: { rounds },
  };
}
