// Sends a prepared set of beacons and shop events to the worker as fast as a few parallel clients can,
// and keeps only what the worker accepted as "expected at SALESmanago".
import {
  SHOP_EVENTS_PATH,
  beaconHeaders,
  eventKey,
  expectedBrowserEvent,
  expectedOrderEvent,
  signedShopRequest,
  type Beacon,
  type ExpectedEvent,
  type OrderEvent,
} from './traffic.ts';

export interface SendReport {
  requests: number;
  /** HTTP status -> count, over all attempts. */
  statuses: Record<string, number>;
  /** What the accepted events should become at SALESmanago, keyed by eventKey. */
  expected: Map<string, ExpectedEvent>;
  /** Events accepted by the worker (several cart changes of a contact are several events, one key). */
  acceptedEvents: number;
  /** Events the worker did not accept after retries, or rejected one by one. */
  refused: number;
  /** The first answer that rejected events, to say why. */
  rejectedSample?: string;
  ms: number;
}

const ATTEMPTS = 5;

async function post(
  url: string,
  init: () => { headers: Record<string, string>; body: string },
  statuses: Record<string, number>,
): Promise<{ status: number; answer: unknown }> {
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let answer: unknown = null;
    try {
      const { headers, body } = init();
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      status = res.status;
      try {
        answer = JSON.parse(text);
      } catch {
        answer = text;
      }
    } catch {
      status = 0;
    }
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    // 429 (limiter) and 503 / network errors (nothing recorded) are worth retrying; anything else is final.
    if ((status === 429 || status === 503 || status === 0) && attempt < ATTEMPTS) {
      await new Promise((r) => setTimeout(r, 250 * attempt));
      continue;
    }
    return { status, answer };
  }
}

async function parallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/** A beacon (with its visitor's e-mail when identified: carts are expected per contact) or a shop event. */
export type Outgoing = { beacon: Beacon; email?: string } | { order: OrderEvent };

/** Sends the items over `concurrency` parallel clients, retrying 429/503/network errors a few times. */
export async function sendAll(workerUrl: string, items: readonly Outgoing[], concurrency = 6): Promise<SendReport> {
  const started = performance.now();
  const report: SendReport = { requests: items.length, statuses: {}, expected: new Map(), acceptedEvents: 0, refused: 0, ms: 0 };
  await parallel(items, concurrency, async (item) => {
    if ('beacon' in item) {
      const body = JSON.stringify(item.beacon);
      const { status, answer } = await post(`${workerUrl}/e`, () => ({ headers: beaconHeaders(), body }), report.statuses);
      const expected = item.beacon.e.map((e) => expectedBrowserEvent(item.beacon.u, e, item.email));
      // A 202 may still reject single events ({"rejected": [{"index", "error"}]}): those are not expected.
      const rejected = new Set(rejectedIndexes(answer));
      if (rejected.size > 0) report.rejectedSample ??= JSON.stringify(answer).slice(0, 300);
      expected.forEach((e, index) => {
        if (status === 202 && !rejected.has(index)) {
          accept(report.expected, e);
          report.acceptedEvents += 1;
        } else report.refused += 1;
      });
    } else {
      const { status } = await post(`${workerUrl}${SHOP_EVENTS_PATH}`, () => signedShopRequest(SHOP_EVENTS_PATH, item.order), report.statuses);
      const e = expectedOrderEvent(item.order);
      if (status === 202) {
        accept(report.expected, e);
        report.acceptedEvents += 1;
      } else report.refused += 1;
    }
  });
  report.ms = performance.now() - started;
  return report;
}

/** Records an accepted event; several cart changes of one contact are one expected CART. */
function accept(expected: Map<string, ExpectedEvent>, e: ExpectedEvent): void {
  const key = eventKey(e);
  const known = expected.get(key);
  if (known) known.ids.push(...e.ids);
  else expected.set(key, { ...e, sentAt: Date.now() });
}

/** Number of events in a list of outgoing items. */
export function eventCount(items: readonly Outgoing[]): number {
  return items.reduce((n, item) => n + ('beacon' in item ? item.beacon.e.length : 1), 0);
}

function rejectedIndexes(answer: unknown): number[] {
  if (typeof answer !== 'object' || answer === null || !('rejected' in answer) || !Array.isArray(answer.rejected)) return [];
  return answer.rejected.flatMap((r: unknown) => (typeof r === 'object' && r !== null && 'index' in r && typeof r.index === 'number' ? [r.index] : []));
}
