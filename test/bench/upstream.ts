// 4. Upstream efficiency: SALESmanago API calls per 1,000 mixed events (the official WooCommerce
// plugin makes about one call per event, i.e. ~1,000).
import type { Simulator } from '../simulator/server.ts';
import { waitForArrivals } from './arrivals.ts';
import { eventCount, sendAll } from './send.ts';
import { callsSince, lastCallSeq } from './sim-control.ts';
import { formatNumber, type BenchOutcome } from './table.ts';
import { runTag } from './traffic.ts';
import { ledgerPatterns, mixedDay } from './workloads.ts';

const UPSTREAM_GOAL_CALLS_PER_1000 = 5;

export interface UpstreamOptions {
  workerUrl: string;
  simulatorUrl: string;
  simulator: Simulator;
  events: number;
  timeoutMs: number;
  ledgerStatuses: (idPatterns?: string[]) => Record<string, number> | null;
}

export async function benchUpstream(options: UpstreamOptions): Promise<BenchOutcome> {
  const tag = runTag();
  const items = mixedDay(tag, options.events);
  const sent = eventCount(items);
  const firstSeq = await lastCallSeq(options.simulatorUrl);
  const started = performance.now();
  const report = await sendAll(options.workerUrl, items);
  const wait = await waitForArrivals(options.simulator, report.expected, { since: started, timeoutMs: options.timeoutMs });
  // Let trailing calls (e.g. a contact upsert after the last event) land before counting.
  await new Promise((r) => setTimeout(r, 2_500));
  const calls = await callsSince(options.simulatorUrl, firstSeq);
  const byPath: Record<string, { calls: number; items: number }> = {};
  for (const call of calls) {
    const entry = (byPath[call.path] ??= { calls: 0, items: 0 });
    entry.calls += 1;
    entry.items += call.items;
  }
  const events = report.acceptedEvents;
  const allDelivered = wait.arrivals.missing === 0;
  const perThousand = (calls.length / Math.max(events, 1)) * 1000;
  // Carts go one call per shopper (addContactExtEvent, then updateContactExtEvent on the same eventId
  // while the cart is open): shown apart, so the cost of batching everything else is visible too.
  const SINGLE = ['/api/v2/contact/addContactExtEvent', '/api/v2/contact/updateContactExtEvent'];
  const singleCalls = calls.filter((c) => SINGLE.includes(c.path)).length;
  const cartEvents = items.reduce((n, item) => n + ('beacon' in item ? item.beacon.e.filter((e) => e.k === 'cart').length : 0), 0);
  const shoppers = [...report.expected.values()].filter((e) => e.type === 'CART').length;
  const otherEvents = events - cartEvents;
  const otherPerThousand = ((calls.length - singleCalls) / Math.max(otherEvents, 1)) * 1000;
  const bench = '4 Upstream efficiency';
  const breakdown = Object.entries(byPath)
    .sort(([, a], [, b]) => b.calls - a.calls)
    .map(([path, v]) => `${path.replace(/^\/api\//, '')} ${v.calls}`)
    .join(', ');
  return {
    rows: [
      {
        bench,
        figure: 'SALESmanago calls per 1,000 mixed events',
        result: `${formatNumber(perThousand, 1)} (${calls.length} calls for ${formatNumber(events)} events${allDelivered ? '' : ', NOT all delivered'})`,
        goal: `<= ${UPSTREAM_GOAL_CALLS_PER_1000}`,
        met: allDelivered && perThousand <= UPSTREAM_GOAL_CALLS_PER_1000,
      },
      { bench, figure: 'calls by method', result: breakdown || 'none', goal: '', met: null },
      {
        bench,
        figure: 'batch calls per 1,000 events other than carts',
        result: `${formatNumber(otherPerThousand, 1)} (${calls.length - singleCalls} calls for ${formatNumber(otherEvents)} events; ${cartEvents} cart changes of ${shoppers} shoppers took ${singleCalls} single-event calls)`,
        goal: '',
        met: null,
      },
      {
        bench,
        figure: "all mixed events delivered (a shopper's cart = 1 CART event)",
        result: `${formatNumber(wait.arrivals.delivered)} / ${formatNumber(report.expected.size)} in ${formatNumber((performance.now() - started) / 1000, 1)} s (${wait.ended}); duplicates ${wait.arrivals.duplicates}`,
        goal: 'all, 0 dup.',
        met: allDelivered && report.refused === 0 && wait.arrivals.duplicates === 0,
      },
    ],
    notes: [
      `Upstream: ${formatNumber(sent)} events (identified visitors via POST /e: 60 % visits, 10 % carts = 4 changes each by 1 visitor in 4, ` +
        `logins and newsletter/survey/offer forms; shop server via POST /api/v1/events: 10 % purchases, 4 % returns, 4 % cancellations), ` +
        `counted with GET /__sim/calls after all events were stored at the simulator ` +
        `(carts wait 60 s on the queue by design, CART_SETTLE_S, so this takes a little over a minute).` +
        (wait.arrivals.missing > 0 ? ` Missing at the simulator: ${wait.arrivals.missing}, e.g. ${wait.arrivals.missingSample.join('; ')}.` : '') +
        (report.refused > 0 ? ` ${report.refused} events refused by the worker, e.g. ${report.rejectedSample ?? JSON.stringify(report.statuses)}.` : ''),
    ],
    data: {
      sentEvents: sent,
      accepted: events,
      expectedAtSalesmanago: report.expected.size,
      refused: report.refused,
      statuses: report.statuses,
      calls: calls.length,
      callsPer1000: perThousand,
      singleEventCalls: singleCalls,
      cartEvents,
      shoppers,
      batchCallsPer1000OtherEvents: otherPerThousand,
      byPath,
      arrivals: wait.arrivals,
      ended: wait.ended,
      ledger: options.ledgerStatuses(ledgerPatterns(tag)),
    },
  };
}
