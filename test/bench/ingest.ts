// 2. Ingest cost: what accepting an event costs the worker, as a ratio to a route that does nothing
// (/floor) on the same worker instance, measured round by round under the same closed-loop load.
import { acceptedPerSecond, runLoad, type LoadResult, type LoadTarget } from './load.ts';
import { interleave, pairedRatios, summarize, type Summary } from './stats.ts';
import { formatNumber, formatSummary, type BenchOutcome, type Row } from './table.ts';
import { runTag } from './traffic.ts';

const INGEST_GOAL_RATIO = 0.8;

export interface IngestOptions {
  workerUrl: string;
  rounds: number;
  durationS: number;
  connections: number;
}

const ROUTES: { target: Exclude<LoadTarget, 'floor' | 'bindings-floor' | 'signed-floor'>; label: string }[] = [
  { target: 'beacon', label: 'POST /e' },
  { target: 'shop-event', label: 'POST /api/v1/events (signed)' },
];

interface Series {
  rps: number[];
  p50: number[];
  p99: number[];
  statuses: Record<string, number>;
  errors: number;
  partlyRejected: number;
}

function emptySeries(): Series {
  return { rps: [], p50: [], p99: [], statuses: {}, errors: 0, partlyRejected: 0 };
}

function add(series: Series, result: LoadResult): void {
  series.rps.push(acceptedPerSecond(result));
  series.p50.push(result.latencyMs.p50);
  series.p99.push(result.latencyMs.p99);
  for (const [code, count] of Object.entries(result.statuses)) series.statuses[code] = (series.statuses[code] ?? 0) + count;
  series.errors += result.errors;
  series.partlyRejected += result.partlyRejected;
}

function statusText(statuses: Record<string, number>, errors: number): string {
  const parts = Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code}: ${formatNumber(n)}`);
  if (errors > 0) parts.push(`errors: ${formatNumber(errors)}`);
  return parts.join(', ');
}

export async function benchIngest(options: IngestOptions): Promise<BenchOutcome> {
  const tag = runTag();
  const targets: LoadTarget[] = ['floor', 'bindings-floor', 'signed-floor', ...ROUTES.map((r) => r.target)];
  const series = new Map<LoadTarget, Series>(targets.map((t) => [t, emptySeries()]));
  const load = (target: LoadTarget, durationS: number, round: string) =>
    runLoad({ url: options.workerUrl, target, durationS, connections: options.connections, tag: `${tag}${round}${target[0]}` });

  // Warm-up (JIT, D1 and queue set-up), not recorded.
  for (const target of targets) await load(target, 1, 'w');
  for (let round = 0; round < options.rounds; round++) {
    for (const target of interleave(targets, round)) {
      const result = await load(target, options.durationS, `r${round}`);
      add(series.get(target) as Series, result);
    }
  }

  const floor = series.get('floor') as Series;
  const bindingsFloor = series.get('bindings-floor') as Series;
  const bench = '2 Ingest cost';
  const rows: Row[] = [
    {
      bench,
      figure: 'floor: POST /floor (no work), req/s and latency',
      result: `${formatSummary(summarize(floor.rps), 0)} req/s; p50 ${formatSummary(summarize(floor.p50), 1, ' ms')}, p99 ${formatSummary(summarize(floor.p99), 1, ' ms')}`,
      goal: '',
      met: null,
    },
  ];
  const data: Record<string, unknown> = {
    connections: options.connections,
    durationS: options.durationS,
    rounds: options.rounds,
    floor: { ...floor, rpsSummary: summarize(floor.rps) },
    bindingsFloor: { ...bindingsFloor, rpsSummary: summarize(bindingsFloor.rps) },
  };
  {
    // Our code alone: POST /e against a route making the same platform calls (worker/routes/floor.ts).
    const beacon = series.get('beacon') as Series;
    const ratio = summarize(pairedRatios(beacon.rps, bindingsFloor.rps));
    rows.push(
      {
        bench,
        figure: 'bindings floor: POST /floor/bindings (rate limits, queue send, D1 read; no parsing), req/s',
        result: `${formatSummary(summarize(bindingsFloor.rps), 0)} req/s; p99 ${formatSummary(summarize(bindingsFloor.p99), 1, ' ms')}`,
        goal: '',
        met: null,
      },
      {
        bench,
        figure: 'POST /e: accepted req/s / bindings floor (our code)',
        result: formatSummary(ratio),
        goal: `>= ${INGEST_GOAL_RATIO}`,
        met: ratio.median >= INGEST_GOAL_RATIO,
      },
    );
    data.beaconToBindingsFloor = ratio;
  }
  {
    // The shop API against a route making exactly its platform calls: HMAC, one D1 write, one queue send.
    const signedFloor = series.get('signed-floor') as Series;
    const shop = series.get('shop-event') as Series;
    const ratio = summarize(pairedRatios(shop.rps, signedFloor.rps));
    rows.push(
      {
        bench,
        figure: 'signed floor: POST /floor/signed (HMAC, one D1 write, one queue send; no parsing), req/s',
        result: `${formatSummary(summarize(signedFloor.rps), 0)} req/s; p99 ${formatSummary(summarize(signedFloor.p99), 1, ' ms')}`,
        goal: '',
        met: null,
      },
      {
        bench,
        figure: 'POST /api/v1/events: accepted req/s / signed floor (our code, one D1 round trip)',
        result: formatSummary(ratio),
        goal: `>= ${INGEST_GOAL_RATIO}`,
        met: ratio.median >= INGEST_GOAL_RATIO,
      },
    );
    data.shopToSignedFloor = ratio;
  }
  for (const { target, label } of ROUTES) {
    const s = series.get(target) as Series;
    const ratio: Summary = summarize(pairedRatios(s.rps, floor.rps));
    rows.push(
      {
        bench,
        figure: `${label}: accepted req/s / floor`,
        result: `${formatSummary(ratio)} (${formatNumber(summarize(s.rps).median)} req/s)`,
        goal: `>= ${INGEST_GOAL_RATIO}`,
        met: ratio.median >= INGEST_GOAL_RATIO,
      },
      {
        bench,
        figure: `${label}: latency p50 / p99`,
        result: `${formatSummary(summarize(s.p50), 1, ' ms')} / ${formatSummary(summarize(s.p99), 1, ' ms')}`,
        goal: '',
        met: null,
      },
      {
        bench,
        figure: `${label}: answers`,
        result: statusText(s.statuses, s.errors) + (s.partlyRejected > 0 ? ` (${formatNumber(s.partlyRejected)} of the 202s rejected events)` : ''),
        goal: '',
        met: null,
      },
    );
    data[target] = { ...s, rpsSummary: summarize(s.rps), ratioToFloor: ratio, p50Summary: summarize(s.p50), p99Summary: summarize(s.p99) };
  }
  const refused = ROUTES.reduce((n, r) => n + ((series.get(r.target) as Series).statuses['429'] ?? 0), 0);
  return {
    rows,
    notes: [
      `Ingest: ${options.connections} connections, closed loop, ${options.durationS} s per run, ${options.rounds} rounds interleaving /floor, /floor/bindings, /floor/signed, /e and /api/v1/events; ` +
        `worker started from a copy of wrangler.toml with the rate limits raised and the queue consumers removed, so that the ` +
        `request path is measured alone (delivery runs elsewhere in production).` +
        (refused > 0 ? ` ${formatNumber(refused)} requests were refused with 429 and are not counted as throughput.` : ''),
    ],
    data,
  };
}
