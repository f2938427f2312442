// 9. Capacity plan: what one deployment handles as traffic grows to 10x and 100x a large shop's
// busiest day, which limit is reached first, and what to change. A calculation, not a load test: the
// inputs are Cloudflare's published limits, figures measured here (CPU per request: bench 8; calls
// per batch: the consumer's own rules) and a few stated assumptions (marked ASSUMPTION). docs/operations.md
// "Capacity plan" quotes its output; `npm run bench -- --only=capacity` prints it.
import { formatNumber, type BenchOutcome, type Row } from './table.ts';

/** Cloudflare's published limits (developers.cloudflare.com: queues/platform/limits, d1/platform/limits, kv, workers/platform/limits). */
const LIMITS = {
  /** Messages per second per queue. */
  queueMessagesPerS: 5_000,
  /** Messages per consumer batch. */
  batchMessages: 100,
  /** Concurrent consumer invocations per queue (max_concurrency). */
  maxConcurrency: 250,
  /** KV: writes per second to one key. */
  kvWritesPerKeyPerS: 1,
  /** Workers CPU per invocation, free plan (ms). */
  cpuCapMs: 10,
};

export interface Assumptions {
  /** ASSUMPTION: a large shop's busiest day. */
  beaconsPerDay: number;
  ordersPerDay: number;
  /** Share of the day in its busiest hour, and a burst factor on top for the busiest second. */
  peakHourShare: number;
  burst: number;
  /** Events per beacon (page loads send 1, a fifth also a cart change: test/bench/traffic.ts pageLoadBeacon). */
  eventsPerBeacon: number;
  /** Share of beacons carrying a cart change, and cart changes per shopper within the 60 s settle window. */
  cartShare: number;
  cartChangesPerShopper: number;
  /** ASSUMPTION [UNK in docs/salesmanago-api.md]: SALESmanago's answer time per call (s). */
  salesmanagoCallS: number;
  /** ASSUMPTION: D1 time per statement the consumer runs (s); about 10 statements per batch. */
  d1StatementS: number;
  d1StatementsPerBatch: number;
  /** Measured (bench 8, this machine): our CPU per POST /e beacon of 1-10 events (ms). */
  cpuPerBeaconMs: number;
}

export const DEFAULTS: Assumptions = {
  beaconsPerDay: 1_000_000,
  ordersPerDay: 20_000,
  peakHourShare: 0.12,
  burst: 2,
  eventsPerBeacon: 1.2,
  cartShare: 0.2,
  cartChangesPerShopper: 4,
  salesmanagoCallS: 0.25,
  d1StatementS: 0.002,
  d1StatementsPerBatch: 10,
  cpuPerBeaconMs: 0.6,
};

export interface Step {
  scale: number;
  messagesPerS: number;
  eventsPerS: number;
  /** SALESmanago calls per second the consumer must make (batch calls + one CART call per shopper). */
  callsPerS: number;
  /** Seconds of consumer work per second of traffic, at max_concurrency 1, CART calls 8 at a time. */
  consumerLoad: number;
  /** Consumer invocations needed at once (ceil of the load, with 50 % headroom). */
  concurrencyNeeded: number;
  /** D1 busy fraction (single writer): consumer statements + request-side writes. */
  d1Load: number;
  queueLoad: number;
  cpuPerRequestShareOfCap: number;
  /** The limits at >= 70 % at this step, highest first, each with what to change. */
  first: string;
}

/** The numbers at one traffic scale, with one consumer invocation at a time (max_concurrency = 1). */
export function capacityAt(scale: number, a: Assumptions = DEFAULTS): Step {
  const perPeakS = (perDay: number) => ((perDay * a.peakHourShare) / 3600) * a.burst * scale;
  const beaconsPerS = perPeakS(a.beaconsPerDay);
  const ordersPerS = perPeakS(a.ordersPerDay);
  const messagesPerS = beaconsPerS + ordersPerS;
  const eventsPerS = beaconsPerS * a.eventsPerBeacon + ordersPerS;
  const batchesPerS = messagesPerS / LIMITS.batchMessages;
  // Per batch: one contact upsert and ceil(events / 400) event adds; CART: one call per shopper.
  const eventsPerBatch = eventsPerS / Math.max(batchesPerS, 1e-9);
  const batchCalls = batchesPerS * (1 + Math.ceil(eventsPerBatch / 400));
  const cartCallsPerS = (beaconsPerS * a.cartShare) / a.cartChangesPerShopper;
  const callsPerS = batchCalls + cartCallsPerS;
  // Time: batch calls one after another, CART calls 8 at a time (delivery/carts.ts CART_PARALLEL).
  const consumerLoad = batchCalls * a.salesmanagoCallS + (cartCallsPerS * a.salesmanagoCallS) / 8 + batchesPerS * a.d1StatementsPerBatch * a.d1StatementS;
  const d1Load = batchesPerS * a.d1StatementsPerBatch * a.d1StatementS + ordersPerS * 2 * a.d1StatementS + beaconsPerS * a.d1StatementS;
  const queueLoad = messagesPerS / LIMITS.queueMessagesPerS;
  const concurrencyNeeded = Math.max(1, Math.ceil(consumerLoad * 1.5));
  const limits: [string, number][] = [
    ['consumer (one invocation at a time, SALESmanago answer time)', consumerLoad],
    ['D1 single writer', d1Load],
    ['queue 5,000 messages/s', queueLoad],
  ];
  const adviceFor = (name: string): string =>
    name.startsWith('consumer')
      ? `max_concurrency ${concurrencyNeeded}, the queue sharded by contact (hash of e-mail/visitor -> one of N queues, each max_concurrency 1, so one contact's events stay in order)`
      : name.startsWith('D1')
        ? 'the per-beacon D1 read (the smclient contactId courtesy) moved to KV or D1 read replicas, then one ledger database per contact shard (one writer per database)'
        : 'more queues, sharded by contact (5,000 messages/s each)';
  const over = limits.filter(([, load]) => load >= 0.7).sort((x, y) => y[1] - x[1]);
  const first =
    over.length === 0
      ? `none: the highest is ${limits.reduce((x, y) => (y[1] > x[1] ? y : x))[0]} at ${formatNumber(Math.max(...limits.map(([, l]) => l)) * 100)} %`
      : over.map(([name, load]) => `${name} at ${formatNumber(load * 100)} % -> ${adviceFor(name)}`).join('; then ');
  return {
    scale,
    messagesPerS,
    eventsPerS,
    callsPerS,
    consumerLoad,
    concurrencyNeeded,
    d1Load,
    queueLoad,
    cpuPerRequestShareOfCap: a.cpuPerBeaconMs / LIMITS.cpuCapMs,
    first,
  };
}

export function benchCapacity(a: Assumptions = DEFAULTS): BenchOutcome {
  const bench = '9 Capacity plan';
  const steps = [1, 10, 100].map((scale) => capacityAt(scale, a));
  const rows: Row[] = steps.map((s) => ({
    bench,
    figure: `${s.scale}x a large shop's busiest day`,
    result:
      `${formatNumber(s.messagesPerS)} msg/s (${formatNumber(s.eventsPerS)} events/s), ${formatNumber(s.callsPerS, 1)} SALESmanago calls/s; ` +
      `load: consumer ${formatNumber(s.consumerLoad * 100)} %, D1 ${formatNumber(s.d1Load * 100)} %, queue ${formatNumber(s.queueLoad * 100, 1)} %, CPU/request ${formatNumber(s.cpuPerRequestShareOfCap * 100)} % of the cap. Limits reached: ${s.first}`,
    goal: '',
    met: null,
  }));
  return {
    rows,
    notes: [`Capacity: a calculation (test/bench/capacity.ts) from Cloudflare's published limits and these inputs: ${JSON.stringify(a)}.`],
    data: { assumptions: a, limits: LIMITS, steps },
  };
}
