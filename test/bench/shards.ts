// 6b. Drain rate by shard count (ARCHITECTURE.md "Delivery shards"): a 5,000-event backlog delivered
// with SALESmanago answering every call in 250 ms, on a stack with DELIVERY_SHARDS = 1 and one with 4.
// The backlog is built first as the beacons come (one queue message each), while a gate between the
// worker and the simulator holds the consumers' first calls (test/bench/gate.ts); the gate opens and
// the clock runs from then to the last event stored: a SALESmanago that was unreachable for a while. Checked at the simulator: every event once, and each contact's events stored in the order
// of their times.
// The rate compared is that of the first 90 % of the backlog. The last 10 % holds each queue's last,
// partial batch, which the local broker holds back for the whole batch timeout (2 s) after the batch
// before it ends (miniflare/dist/src/workers/queues/broker.worker.js `#ensurePendingFlush`: the timer
// starts then, however long the messages have waited). Cloudflare's timeout is a wait for messages to
// be written (developers.cloudflare.com queues/configuration/batching-retries), and these were written
// long before: a 2 s pause per queue that a deployment does not have, and that weighs more the shorter
// the drain. The whole drain is reported beside it.
import type { Simulator } from '../simulator/server.ts';
import { countArrivals, waitForArrivals } from './arrivals.ts';
import type { BenchStack } from './bench-stack.ts';
import { sendAll, type Outgoing } from './send.ts';
import { setFaults } from './sim-control.ts';
import { formatNumber, type BenchOutcome, type Row } from './table.ts';
import { browserEvent, customerEmail, visitorId, type ExpectedEvent } from './traffic.ts';
import type { Gate } from './gate.ts';

/** worker/delivery/shards.ts SETTLE_MS (30 s; not imported: it brings the worker's types), and 5 s more. */
const SETTLE_WAIT_MS = 35_000;

export interface ShardDrainOptions {
  bench: BenchStack;
  /** DELIVERY_SHARDS of the stack. */
  shards: number;
  /** Contacts, and beacons per contact (sent in rounds: every contact's first, then every second, …). */
  contacts: number;
  beaconsPerContact: number;
  timeoutMs: number;
  tag: string;
}

/** The share of the backlog whose drain rate is compared (see the top of this file). */
const STEADY_SHARE = 0.9;

export interface ShardDrainRound {
  events: number;
  drainMs: number | null;
  rate: number | null;
  /** Time to the first 90 % of the events stored, and their rate (the figure compared). */
  steadyMs: number | null;
  steadyRate: number | null;
  delivered: number;
  duplicates: number;
  /** Contacts whose events the simulator stored out of their time order. */
  outOfOrder: number;
  contacts: number;
  ended: string;
  /** Rows of `deliveries` in each ledger database at the end, largest first. */
  rowsByDatabase: number[];
  /** How long the backlog took to send (the gate held the first calls as long). */
  fillMs: number;
  /** SALESmanago calls made after the gate opened, the mean of those in flight while any was, the share of the drain spent with one in flight, and the calls by path. */
  calls: number;
  meanInFlight: number;
  waitingShare: number;
  paths: Record<string, number>;
}

/**
 * The backlog: page-load beacons in rounds (every contact's first, then every second, …). A contact's
 * first beacon is its login and a page view, so each visitor is identified; the others one page view
 * each: 1.2 events a message with 5 beacons a contact, as the capacity plan's traffic (test/bench/capacity.ts).
 */
function shardBacklog(tag: string, contacts: number, beaconsPerContact: number): Outgoing[][] {
  const rounds: Outgoing[][] = [];
  for (let r = 0; r < beaconsPerContact; r++) {
    const round: Outgoing[] = [];
    for (let c = 0; c < contacts; c++) {
      const id = (k: number) => `e${tag}c${c}r${r}k${k}`;
      const events = r === 0 ? [browserEvent.login(id(0), c, customerEmail(tag, c)), browserEvent.visit(id(1), c)] : [browserEvent.visit(id(0), c + r)];
      round.push({ beacon: { v: 2, u: visitorId(tag, c), e: events }, email: customerEmail(tag, c) });
    }
    rounds.push(round);
  }
  return rounds;
}

/** Contacts whose stored events' times go backwards in the order the simulator stored them, and the first such contact's events. */
function outOfOrderContacts(simulator: Simulator, emails: ReadonlySet<string>): { count: number; example: string[] } {
  const last = new Map<string, number>();
  const bad = new Set<string>();
  const seen = new Map<string, string[]>();
  for (const event of simulator.simulation.store.allEvents()) {
    if (!emails.has(event.email)) continue;
    const before = last.get(event.email);
    if (before !== undefined && event.date < before) bad.add(event.email);
    last.set(event.email, Math.max(before ?? -Infinity, event.date));
    seen.set(event.email, [...(seen.get(event.email) ?? []), `${event.contactExtEventType} ${event.date} ${event.externalId ?? ''}`]);
  }
  const first = [...bad][0];
  return { count: bad.size, example: first ? (seen.get(first) ?? []) : [] };
}

export async function drainShards(options: ShardDrainOptions & { gate: Gate }): Promise<ShardDrainRound> {
  const { bench, tag, gate } = options;
  const { stack } = bench;
  const simulator = stack.simulator;
  gate.target = stack.simulatorUrl;
  const rounds = shardBacklog(tag, options.contacts, options.beaconsPerContact);
  const events = rounds.flat().reduce((n, o) => n + ('beacon' in o ? o.beacon.e.length : 0), 0);
  const expected = new Map<string, ExpectedEvent>();
  await setFaults(stack.simulatorUrl, { '*': { latencyMs: 250 } });
  // A fresh stack has no recorded count: its first batch takes the configured one for a change from 1
  // and settles it (delivery/shards.ts SETTLE_MS). One warm-up beacon, then that settling time, so the
  // backlog below is drained as by a deployment that has run at this count.
  if (options.shards > 1) {
    await sendAll(stack.workerUrl, shardBacklog(`${tag}w`, 1, 1)[0]!, 1);
    await new Promise((r) => setTimeout(r, SETTLE_WAIT_MS));
  }
  // Fill: the gate holds the consumers' first calls, so the beacons wait on the queues as they came.
  // It must end within the worker's SALESmanago timeout, or a held call gives up and its events are
  // retried after the later ones (a timeout's reordering, not a shard's).
  const filling = performance.now();
  for (const round of rounds) {
    const report = await sendAll(stack.workerUrl, round, 16);
    for (const [k, v] of report.expected) expected.set(k, v);
  }
  const fillMs = performance.now() - filling;
  const started = performance.now();
  gate.open();
  let steadyMs: number | null = null;
  const wait = await waitForArrivals(simulator, expected, {
    since: started,
    timeoutMs: options.timeoutMs,
    pollMs: 100,
    progress: (a) => {
      if (steadyMs === null && a.delivered >= STEADY_SHARE * expected.size) steadyMs = performance.now() - started;
    },
  });
  // A late copy would show up now.
  await new Promise((r) => setTimeout(r, 2_000));
  const arrivals = countArrivals(simulator, expected);
  // How the consumers waited: SALESmanago calls made, and how many were in flight on average while any was.
  const calls = gate.calls.filter((c) => c.end > 0);
  const busy = calls.reduce((ms, c) => ms + (c.end - Math.max(c.start, started)), 0);
  const spans = calls.map((c) => [Math.max(c.start, started), c.end] as const).sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let reach = -Infinity;
  for (const [from, to] of spans) {
    if (to > reach) covered += to - Math.max(from, reach);
    reach = Math.max(reach, to);
  }
  const paths: Record<string, number> = {};
  for (const c of calls) paths[c.path] = (paths[c.path] ?? 0) + 1;
  await setFaults(stack.simulatorUrl, {});
  const emails = new Set(Array.from({ length: options.contacts }, (_, c) => customerEmail(tag, c).toLowerCase()));
  return {
    events,
    drainMs: wait.drainedMs,
    rate: wait.drainedMs === null ? null : events / (wait.drainedMs / 1000),
    steadyMs,
    steadyRate: steadyMs === null ? null : (STEADY_SHARE * events) / ((steadyMs as number) / 1000),
    delivered: arrivals.delivered,
    duplicates: arrivals.duplicates,
    ...(() => {
      const order = outOfOrderContacts(simulator, emails);
      return { outOfOrder: order.count, outOfOrderExample: order.example };
    })(),
    contacts: options.contacts,
    ended: wait.ended,
    rowsByDatabase: options.bench.deliveryRowsByDatabase(),
    fillMs,
    calls: calls.length,
    meanInFlight: covered > 0 ? busy / covered : 0,
    waitingShare: wait.drainedMs ? covered / wait.drainedMs : 0,
    paths,
  };
}

/** The bench's rows: each shard count's drain, and the ratio (goal ≥ 3×, 0 duplicates, order kept). */
/** "4 shards", or "4 shards over 2 ledger databases" for "4x2". */
function shardLabel(label: string): string {
  const [shards = '1', ledgers] = label.split('x');
  return `${shards} shard${shards === '1' ? '' : 's'}${ledgers ? ` over ${ledgers} ledger databases` : ''}`;
}

/** `drains` by label: "<shards>", or "<shards>x<ledger databases>". */
export function shardOutcome(drains: Readonly<Record<string, ShardDrainRound | undefined>>): BenchOutcome {
  const bench = '6b Drain by shard count';
  const rows: Row[] = [];
  for (const [n, d] of Object.entries(drains)) {
    if (!d) continue;
    rows.push({
      bench,
      figure: `${shardLabel(n)}: ${formatNumber(d.events)}-event backlog, SALESmanago 250 ms/call`,
      result:
        d.rate === null
          ? `not drained (${d.ended}; ${formatNumber(d.delivered)} delivered)`
          : `${formatNumber(d.steadyRate ?? 0)} events/s over the first 90 % (${formatNumber((d.steadyMs ?? 0) / 1000, 1)} s); the whole backlog ${formatNumber(d.rate)} events/s (drained in ${formatNumber(d.drainMs! / 1000, 1)} s); ${d.duplicates} duplicates; ${d.outOfOrder} of ${formatNumber(d.contacts)} contacts out of time order` +
            (d.rowsByDatabase.length > 1 ? `; ledger rows by database ${d.rowsByDatabase.map((n) => formatNumber(n)).join(' / ')}` : ''),
      goal: '',
      met: null,
    });
  }
  const one = drains['1'];
  const four = drains['4'];
  const split = drains['4x2'];
  // A fill longer than the worker's SALESmanago timeout (120 s in run.ts) lets a held call give up.
  const slowFill = Object.entries(drains)
    .filter(([, d]) => d && d.fillMs > 120_000)
    .map(([n]) => n);
  if (slowFill.length > 0)
    rows.push({
      bench,
      figure: 'backlog sent within the 120 s timeout',
      result: `no, with ${slowFill.join(' and ')} shard(s): a held call timed out, order not comparable`,
      goal: 'yes',
      met: false,
    });
  if (one?.steadyRate && four?.steadyRate && one.rate && four.rate) {
    const ratio = four.steadyRate / one.steadyRate;
    const clean = one.duplicates + four.duplicates === 0 && one.outOfOrder + four.outOfOrder === 0;
    rows.push({
      bench,
      figure: 'drain rate, 4 shards ÷ 1 (first 90 % of the backlog)',
      result: `${formatNumber(ratio, 2)}×`,
      goal: '≥ 3×, 0 duplicates, each contact in order',
      met: ratio >= 3 && clean,
    });
    rows.push({
      bench,
      figure: 'drain rate, 4 shards ÷ 1 (whole backlog, with the local broker’s 2 s pause per queue)',
      result: `${formatNumber(four.rate / one.rate, 2)}×`,
      goal: '',
      met: null,
    });
  }
  if (one?.steadyRate && split?.steadyRate && split.rate) {
    // The same four consumers, each writing its own ledger database's rows (ARCHITECTURE.md "Ledger databases").
    rows.push({
      bench,
      figure: 'drain rate, 4 shards over 2 ledger databases ÷ 1 shard (first 90 % of the backlog)',
      result: `${formatNumber(split.steadyRate / one.steadyRate, 2)}× (whole backlog ${formatNumber(split.rate / (one.rate ?? split.rate), 2)}×)`,
      goal: '0 duplicates, each contact in order',
      met: split.duplicates === 0 && split.outOfOrder === 0,
    });
  }
  return {
    rows,
    notes: [
      'Drain by shard count: page-load beacons (1.2 events each, 5 per contact, the first a login) queued while a gate held the calls to the simulator; rate = events / time from the gate opening to the first 90 % stored, and to the last (test/bench/shards.ts says why the first is compared).',
    ],
    data: { drains },
  };
}
