// 5. Delivery under faults: events sent while SALESmanago fails 30 % of calls with 5xx, 10 % with 429
// and lets 5 % hang. Counted at the simulator by (type, externalId): delivered, duplicates, lost.
// Events that end in the DLQ ('dead' in the ledger) are replayed (POST /admin/replay) and counted again.
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import type { Simulator } from '../simulator/server.ts';
import { recountAfter, waitForArrivals, type Arrivals } from './arrivals.ts';
import { eventCount, sendAll, type SendReport } from './send.ts';
import { setFaults } from './sim-control.ts';
import { formatNumber, type BenchOutcome, type Row } from './table.ts';
import { runTag } from './traffic.ts';
import { ledgerPatterns, volume } from './workloads.ts';

export const FAULTS = { '*': { errorRate: 0.3, rate429: 0.1, retryAfterS: 1, hangRate: 0.05 } };

export interface FaultsOptions {
  workerUrl: string;
  simulatorUrl: string;
  simulator: Simulator;
  events: number;
  /** The full figure the issue asks for; a smaller `events` is reported as scaled down. */
  fullEvents: number;
  /** performance.now() by which waiting for deliveries (and a replay) must end. */
  deadline: number;
  /** SALESMANAGO_TIMEOUT_MS of the stack, for the notes. */
  hangTimeoutMs: number;
  /** DELIVERY_RETRY_BASE_S of the stack, for the notes. */
  retryBaseS: number;
  ledgerStatuses: (idPatterns?: string[]) => Record<string, number> | null;
}

/** Rows still on their way: queued (or being retried). Unknown ledger = not settled. */
function inFlight(statuses: Record<string, number> | null): number | null {
  return statuses ? (statuses.queued ?? 0) : null;
}

async function replay(workerUrl: string): Promise<{ status: number; body: string }> {
  const auth = Buffer.from(`admin:${LOCAL_SECRETS.ADMIN_PASSWORD}`).toString('base64');
  const res = await fetch(`${workerUrl}/admin/replay`, { method: 'POST', headers: { authorization: `Basic ${auth}` } });
  return { status: res.status, body: (await res.text()).slice(0, 500) };
}

export async function benchFaults(options: FaultsOptions): Promise<BenchOutcome> {
  const tag = runTag();
  const items = volume(tag, options.events, { perBeacon: 50, shopShare: 0.2 });
  const mine = () => options.ledgerStatuses(ledgerPatterns(tag));
  const sent = eventCount(items);
  await setFaults(options.simulatorUrl, FAULTS);
  const faultCountsBefore = options.simulator.state().counts.faults;
  const started = performance.now();
  let arrivals: Arrivals;
  let drainedMs: number | null;
  let ended: string;
  let report: SendReport;
  let faultCounts: Record<string, number> = {};
  try {
    report = await sendAll(options.workerUrl, items);
    // Settled: nothing in flight any more (everything delivered, failed or dead) although some events are missing.
    const wait = await waitForArrivals(options.simulator, report.expected, {
      since: started,
      timeoutMs: Math.max(10_000, options.deadline - performance.now()),
      settled: () => inFlight(mine()) === 0,
    });
    drainedMs = wait.drainedMs;
    ended = wait.ended;
    arrivals = wait.ended === 'all delivered' ? await recountAfter(options.simulator, report.expected, 3_000) : wait.arrivals;
  } finally {
    const after = options.simulator.state().counts.faults;
    faultCounts = Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (faultCountsBefore[k] ?? 0)]));
    await setFaults(options.simulatorUrl, {});
  }
  const waitedMs = performance.now() - started;
  const ledgerAfterFaults = mine();
  // Not at the simulator but still on the queue (waiting for a retry) is late, not lost.
  const retrying = Math.min(arrivals.missing, ledgerAfterFaults?.queued ?? 0);
  const lost = arrivals.missing - retrying;

  // Dead or failed rows: replay them against a healthy SALESmanago and count again.
  let replayed: { status: number; body: string } | null = null;
  let afterReplay: Arrivals | null = null;
  let replayMs: number | null = null;
  const stuck = (ledgerAfterFaults?.dead ?? 0) + (ledgerAfterFaults?.failed ?? 0);
  if (lost > 0 && stuck > 0) {
    const replayStarted = performance.now();
    replayed = await replay(options.workerUrl);
    const wait = await waitForArrivals(options.simulator, report.expected, { since: replayStarted, timeoutMs: Math.max(10_000, options.deadline - performance.now()) });
    afterReplay = wait.ended === 'all delivered' ? await recountAfter(options.simulator, report.expected, 2_000) : wait.arrivals;
    replayMs = wait.drainedMs;
  }

  const bench = '5 Delivery under faults';
  const scaled = options.events < options.fullEvents ? ` (scaled down from ${formatNumber(options.fullEvents)})` : '';
  const refusedNote = report.refused > 0 ? `; ${formatNumber(report.refused)} refused by the worker` : '';
  const rows: Row[] = [
    {
      bench,
      figure: `delivered / sent${scaled}`,
      result: `${formatNumber(arrivals.delivered)} / ${formatNumber(sent)}${refusedNote}`,
      goal: `${formatNumber(sent)}`,
      met: arrivals.delivered === sent,
    },
    { bench, figure: 'duplicates at SALESmanago', result: formatNumber(arrivals.duplicates), goal: '0', met: arrivals.duplicates === 0 },
    {
      bench,
      figure: 'lost (neither stored nor still queued; before any replay)',
      result: ledgerAfterFaults === null ? `${formatNumber(arrivals.missing)} missing (ledger unreadable)` : formatNumber(lost),
      goal: '0',
      met: ledgerAfterFaults === null ? arrivals.missing === 0 : lost === 0,
    },
    {
      bench,
      figure: 'time to drain (first request to last stored)',
      result:
        drainedMs === null
          ? `not drained after ${formatNumber(waitedMs / 1000)} s: ${formatNumber(retrying)} still queued for a retry`
          : `${formatNumber(drainedMs / 1000, 1)} s`,
      goal: 'within the run',
      met: drainedMs !== null,
    },
  ];
  if (replayed) {
    rows.push({
      bench,
      figure: 'after POST /admin/replay: delivered / duplicates',
      result: `${formatNumber(afterReplay?.delivered ?? 0)} / ${formatNumber(afterReplay?.duplicates ?? 0)} (replay answered ${replayed.status}${replayMs !== null ? `, drained in ${formatNumber(replayMs / 1000, 1)} s` : ''})`,
      goal: `${formatNumber(sent)} / 0`,
      met: afterReplay !== null && afterReplay.delivered === sent && afterReplay.duplicates === 0,
    });
  }
  const faultText = Object.entries(faultCounts).map(([k, n]) => `${k} ${formatNumber(n)}`).join(', ');
  return {
    rows,
    notes: [
      `Faults: ${formatNumber(sent)} events${scaled} (80 % browser events of identified visitors in beacons of 50, 20 % purchases/returns/cancellations), ` +
        `simulator faults ${JSON.stringify(FAULTS['*'])} on every SALESmanago method (injected: ${faultText || 'none'}), ` +
        `SALESMANAGO_TIMEOUT_MS=${options.hangTimeoutMs}, DELIVERY_RETRY_BASE_S=${options.retryBaseS} (production default 30). Ledger rows of these events after the wait: ${JSON.stringify(ledgerAfterFaults)}.` +
        (arrivals.missing > 0 ? ` Missing e.g. ${arrivals.missingSample.join('; ')}.` : '') +
        (report.refused > 0 ? ` ${report.refused} events refused by the worker, e.g. ${report.rejectedSample ?? JSON.stringify(report.statuses)}.` : ''),
    ],
    data: {
      sent,
      fullEvents: options.fullEvents,
      accepted: report.expected.size,
      refused: report.refused,
      statuses: report.statuses,
      faults: FAULTS,
      injected: faultCounts,
      arrivals,
      retrying,
      lost,
      drainedMs,
      waitedMs,
      ended,
      ledgerAfterFaults,
      replay: replayed ? { answer: replayed, arrivals: afterReplay, drainedMs: replayMs, ledger: mine() } : null,
    },
  };
}
