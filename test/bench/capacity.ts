// 9. Capacity plan: what one deployment handles at 1x, 10x, 100x and 1,000x a large shop's busiest
// day with delivery sharded by contact (ARCHITECTURE.md "Delivery shards") over one or more ledger
// databases ("Ledger databases"), the shard and database counts each step needs, and the first limit reached. A calculation, not a load test. Every input is either MEASURED
// on this machine (named with the bench or test that measures it) or an ASSUMPTION (named with its
// source). docs/operations.md "Capacity plan" quotes its output; `npm run bench -- --only=capacity` prints it.
import { formatNumber, type BenchOutcome, type Row } from './table.ts';

/** Cloudflare's published limits (developers.cloudflare.com: queues/platform/limits, d1/platform/limits, workers/platform/limits). */
const LIMITS = {
  /** Messages per second per queue. */
  queueMessagesPerS: 5_000,
  /** Messages per consumer batch. */
  batchMessages: 100,
  /** Workers CPU per invocation, free plan (ms). */
  cpuCapMs: 10,
  /** D1: one database runs one query at a time (d1/platform/limits: "a 1 ms query, about 1,000 queries per second"). */
  d1WriterMsPerS: 1_000,
};

/** A load is fine at or below this share of its limit (issue 25: "≤ 70 % of every limit"). */
export const HEADROOM = 0.7;

export interface Assumptions {
  /** ASSUMPTION (the "large shop", docs/operations.md): a large shop's busiest day. */
  beaconsPerDay: number;
  ordersPerDay: number;
  /** ASSUMPTION: share of the day in its busiest hour, and a burst factor for the busiest second. */
  peakHourShare: number;
  burst: number;
  /** ASSUMPTION (test/bench/traffic.ts pageLoadBeacon): events per beacon; a fifth of beacons also change a cart. */
  eventsPerBeacon: number;
  /** ASSUMPTION (same source): share of beacons with a cart change, and cart changes per shopper within the 60 s settle. */
  cartShare: number;
  cartChangesPerShopper: number;
  /**
   * MEASURED (npm run bench -- --only=shards, bench 6b with one shard: a 5,004-event backlog of
   * page-load beacons, 1.2 events a message, SALESmanago answering every call in 250 ms; the rate of the
   * first 90 % of the backlog, 314, 320 and 327 events/s in three runs on 2026-12-05; the lowest): events
   * per second one shard's consumer delivers while a backlog lasts.
   */
  perShardDrainEventsPerS: number;
  /**
   * MEASURED (worker/delivery/d1-calls.test.ts, SALESmanago answering in 100 ms, the cart changes four a
   * shopper as cartChangesPerShopper says: 22 or 23 round trips for 120 events in five runs on
   * 2026-12-05; the higher): the consumer's D1 round trips per event, carts' included.
   */
  d1CallsPerEvent: number;
  /** ASSUMPTION (Cloudflare's D1 limits page, its 1 ms example; not measurable locally): writer time per round trip (ms). */
  d1CallMs: number;
  /**
   * MEASURED (worker/delivery/d1-calls.test.ts, its two-database case): with more than one ledger
   * database, the round trips a consumer run makes on LEDGER besides its own database's (the shard
   * state and the erasure marks); its own database's round trips per event stay d1CallsPerEvent.
   */
  homeCallsPerRun: number;
  /**
   * ASSUMPTION: D1 round trips on the writer per beacon. The per-beacon `smclient` lookup reads D1
   * today (1); issue 25 item 3 ("reads off the writer": KV and read replicas) takes it off (0).
   */
  beaconReadsOnWriter: number;
  /** MEASURED (issue 25 item 2, docs/performance.md): one D1 round trip per signed shop request. */
  orderWritesPerOrder: number;
  /** MEASURED (bench 8, this machine): our CPU per POST /e beacon (ms). */
  cpuPerBeaconMs: number;
  /** The accumulator's window (DELIVERY_WINDOW_S default, s) and a full call (delivery/accumulator.ts FLUSH_AT). */
  windowS: number;
  flushAt: number;
}

export const DEFAULTS: Assumptions = {
  beaconsPerDay: 1_000_000,
  ordersPerDay: 20_000,
  peakHourShare: 0.12,
  burst: 2,
  eventsPerBeacon: 1.2,
  cartShare: 0.2,
  cartChangesPerShopper: 4,
  perShardDrainEventsPerS: 314,
  d1CallsPerEvent: 0.192,
  d1CallMs: 1,
  homeCallsPerRun: 1,
  beaconReadsOnWriter: 0,
  orderWritesPerOrder: 1,
  cpuPerBeaconMs: 0.6,
  windowS: 10,
  flushAt: 400,
};

export interface Step {
  scale: number;
  messagesPerS: number;
  eventsPerS: number;
  /** Delivery shards this step needs: each consumer and each queue at or below HEADROOM. */
  shards: number;
  /** SALESmanago calls per 1,000 events with the accumulator per shard (batch calls + one CART call per shopper). */
  callsPer1000: number;
  callsPerS: number;
  /** Load of one shard's consumer (events/s of its share ÷ the measured drain rate). */
  consumerLoad: number;
  /** Load of one shard's queue (messages/s ÷ 5,000). */
  queueLoad: number;
  /** Load of one D1 writer if every contact's rows were in one database. */
  d1Load: number;
  /** Ledger databases this step needs (LEDGER_DATABASES, ledger/databases.ts): the fewest that keep each writer within HEADROOM, at most MAX_LEDGERS. */
  ledgers: number;
  /** Load of each ledger database's writer with `ledgers` of them, and of LEDGER's (its share, and every consumer run's reads). */
  ledgerLoad: number;
  homeLoad: number;
  cpuPerRequestShareOfCap: number;
  /** The limits above HEADROOM at this step with `shards` shards, highest first (or "none"). */
  first: string;
}

/** Calls per 1,000 events when each of `shards` accumulators fills its calls from its share of the traffic. */
export function callsPer1000(eventsPerS: number, beaconsPerS: number, shards: number, a: Assumptions = DEFAULTS): number {
  // Events one shard gathers in a window: a call carries up to flushAt of them (an upsert and an add).
  const perFlush = Math.max(1, Math.min(a.flushAt, (eventsPerS / shards) * a.windowS));
  const batch = (2 * 1000) / perFlush;
  const carts = ((beaconsPerS * a.cartShare) / a.cartChangesPerShopper / Math.max(eventsPerS, 1e-9)) * 1000;
  return batch + carts;
}

/** The numbers at one traffic scale with `shards` shards (default: the fewest that keep consumers and queues within HEADROOM). */
export function capacityAt(scale: number, a: Assumptions = DEFAULTS, shardsOverride?: number): Step {
  const perPeakS = (perDay: number) => ((perDay * a.peakHourShare) / 3600) * a.burst * scale;
  const beaconsPerS = perPeakS(a.beaconsPerDay);
  const ordersPerS = perPeakS(a.ordersPerDay);
  const messagesPerS = beaconsPerS + ordersPerS;
  const eventsPerS = beaconsPerS * a.eventsPerBeacon + ordersPerS;
  const needed = Math.max(1, Math.ceil(eventsPerS / (HEADROOM * a.perShardDrainEventsPerS)), Math.ceil(messagesPerS / (HEADROOM * LIMITS.queueMessagesPerS)));
  const d1Ms = eventsPerS * a.d1CallsPerEvent * a.d1CallMs + ordersPerS * a.orderWritesPerOrder * a.d1CallMs + beaconsPerS * a.beaconReadsOnWriter * a.d1CallMs;
  const d1Load = d1Ms / LIMITS.d1WriterMsPerS;
  // Consumer runs: full batches while traffic lasts (each reads LEDGER once with more than one database).
  const split = ledgerSplit(d1Load, messagesPerS / LIMITS.batchMessages, a);
  // The shard count is a multiple of the ledger databases' (config.ts).
  const shards = shardsOverride ?? Math.ceil(needed / split.ledgers) * split.ledgers;
  const consumerLoad = eventsPerS / shards / a.perShardDrainEventsPerS;
  const queueLoad = messagesPerS / shards / LIMITS.queueMessagesPerS;
  const per1000 = callsPer1000(eventsPerS, beaconsPerS, shards, a);
  const limits: [string, number, string][] = [
    ['each shard consumer (waiting on SALESmanago)', consumerLoad, 'more shards (DELIVERY_SHARDS and queues in wrangler.toml)'],
    ['each shard queue (5,000 messages/s)', queueLoad, 'more shards'],
    [`each ledger database's writer (${split.ledgers} of them)`, split.ledgerLoad, 'more ledger databases (LEDGER_DATABASES)'],
    [
      "LEDGER's writer (its share, and every consumer run's read of the shard state and erasure marks)",
      split.homeLoad,
      'fewer consumer runs on LEDGER (not built)',
    ],
  ];
  const over = limits.filter(([, load]) => load > HEADROOM).sort((x, y) => y[1] - x[1]);
  const highest = limits.reduce((x, y) => (y[1] > x[1] ? y : x));
  const first =
    over.length === 0
      ? `none: the highest is ${highest[0]} at ${formatNumber(highest[1] * 100)} %`
      : over.map(([name, load, change]) => `${name} at ${formatNumber(load * 100)} % -> ${change}`).join('; then ');
  return {
    scale,
    messagesPerS,
    eventsPerS,
    shards,
    callsPer1000: per1000,
    callsPerS: (eventsPerS * per1000) / 1000,
    consumerLoad,
    queueLoad,
    d1Load,
    ...split,
    cpuPerRequestShareOfCap: a.cpuPerBeaconMs / LIMITS.cpuCapMs,
    first,
  };
}

export const SCALES = [1, 10, 100, 1_000] as const;

/** The most ledger databases the plan considers (the LEDGER_DATABASES rule's bound, settings/fields.ts). */
export const MAX_LEDGERS = 32;

/** The fewest ledger databases that keep every writer within HEADROOM (MAX_LEDGERS when none does), and their loads. */
export function ledgerSplit(d1Load: number, runsPerS: number, a: Assumptions = DEFAULTS): { ledgers: number; ledgerLoad: number; homeLoad: number } {
  const at = (n: number) => ({
    ledgers: n,
    ledgerLoad: d1Load / n,
    homeLoad: d1Load / n + (n > 1 ? (runsPerS * a.homeCallsPerRun * a.d1CallMs) / LIMITS.d1WriterMsPerS : 0),
  });
  for (let n = 1; n < MAX_LEDGERS; n++) {
    const split = at(n);
    if (Math.max(split.ledgerLoad, split.homeLoad) <= HEADROOM) return split;
  }
  return at(MAX_LEDGERS);
}

export function benchCapacity(a: Assumptions = DEFAULTS): BenchOutcome {
  const bench = '9 Capacity plan';
  const steps = SCALES.map((scale) => capacityAt(scale, a));
  const rows: Row[] = steps.map((s) => ({
    bench,
    figure: `${formatNumber(s.scale)}x a large shop's busiest day`,
    result:
      `${formatNumber(s.messagesPerS)} msg/s (${formatNumber(s.eventsPerS)} events/s) on ${s.shards} shard${s.shards === 1 ? '' : 's'}; ` +
      `${formatNumber(s.callsPer1000, 1)} SALESmanago calls per 1,000 events (${formatNumber(s.callsPerS, 1)}/s); ` +
      `load: consumer ${formatNumber(s.consumerLoad * 100)} % each, queue ${formatNumber(s.queueLoad * 100, 1)} % each, ` +
      (s.ledgers > 1
        ? `D1 writers on ${s.ledgers} ledger databases ${formatNumber(s.ledgerLoad * 100)} % each, LEDGER's ${formatNumber(s.homeLoad * 100)} % (one database: ${formatNumber(s.d1Load * 100)} %)`
        : `D1 writer ${formatNumber(s.d1Load * 100)} %`) +
      `, CPU/request ${formatNumber(s.cpuPerRequestShareOfCap * 100)} % of the cap. Above ${HEADROOM * 100} %: ${s.first}`,
    goal: s.scale === 10 || s.scale === 100 ? `≤ ${HEADROOM * 100} % of every limit` : '',
    met: s.scale === 10 || s.scale === 100 ? s.first.startsWith('none') : null,
  }));
  const onWriter = capacityAt(10, { ...a, beaconReadsOnWriter: 1 });
  return {
    rows,
    notes: [
      `Capacity: a calculation (test/bench/capacity.ts) from Cloudflare's published limits and these inputs (MEASURED or ASSUMPTION, see the file): ${JSON.stringify(a)}.`,
      `With the per-beacon smclient read still on the D1 writer (before issue 25 item 3), 10x puts one writer at ${formatNumber(onWriter.d1Load * 100)} % (${onWriter.ledgers} ledger databases).`,
    ],
    data: { assumptions: a, limits: LIMITS, steps },
  };
}
