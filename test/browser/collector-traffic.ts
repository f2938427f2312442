// Watches what a browser context sends to the collector's POST /e (fetch keepalive and sendBeacon alike).
import type { BrowserContext, Request } from 'playwright-core';

/** An event of beacon format 2 (docs/contracts.md "Beacon format"): i id, k type, t time, u url, h title, r referrer, and the command's fields. */
interface SentEvent {
  i: string;
  k: string;
  u?: string;
  [field: string]: unknown;
}

/** Beacon format 2: u visitor, c smclient, p data-cart-path, e events. */
interface Beacon {
  request: Request;
  body: { v?: number; u?: string; c?: string; p?: string; e?: SentEvent[] };
}

export function watchCollector(context: BrowserContext, collectorUrl: string) {
  const beacons: Beacon[] = [];
  const anyRequests: string[] = [];
  context.on('request', (request) => {
    if (!request.url().startsWith(collectorUrl)) return;
    anyRequests.push(`${request.method()} ${request.url()}`);
    if (request.method() !== 'POST' || new URL(request.url()).pathname !== '/e') return;
    try {
      beacons.push({ request, body: JSON.parse(request.postData() ?? '{}') });
    } catch {
      beacons.push({ request, body: {} });
    }
  });
  const events = () => beacons.flatMap((b) => b.body.e ?? []);
  return {
    beacons,
    /** Every request to the collector's origin, /s.js included. */
    anyRequests,
    events,
    eventsOfType: (type: string) => events().filter((e) => e.k === type),
    async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out; collector saw: ${JSON.stringify(events())}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

interface SimulatorEvent {
  email?: string;
  contactId?: string;
  contactExtEventType: string;
  externalId?: string;
}

/** Polls the simulator until `predicate` holds for its stored events. */
export async function simulatorEventsUntil(
  simulatorUrl: string,
  predicate: (events: SimulatorEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<SimulatorEvent[]> {
  const deadline = Date.now() + timeoutMs;
  let events: SimulatorEvent[] = [];
  while (Date.now() < deadline) {
    const state = (await (await fetch(`${simulatorUrl}/__sim/state`)).json()) as { events: SimulatorEvent[] };
    events = state.events;
    if (predicate(events)) return events;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`simulator never matched; it holds: ${JSON.stringify(events.slice(-20))}`);
}
