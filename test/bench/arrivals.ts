// Counting deliveries where they land: the events stored at the SALESmanago simulator, matched to what
// the worker accepted by (SALESmanago event type, externalId).
import type { Simulator } from '../simulator/server.ts';
import { eventKey, type ExpectedEvent } from './traffic.ts';

export interface Arrivals {
  expected: number;
  /** Expected events stored at least once (a contact's cart counts once, see ExpectedEvent). */
  delivered: number;
  /** Extra copies of expected events (stored n times counts n - 1; a second CART event of one contact too). */
  duplicates: number;
  /** The most copies of one expected event stored (1 = no duplicate). */
  mostCopies: number;
  /** Expected events not stored (yet). */
  missing: number;
  /** A few missing keys, to say what was lost. */
  missingSample: string[];
}

/** When each expected event was first stored at the simulator (its Date.now()), by key. */
export function firstStored(simulator: Simulator, expected: ReadonlyMap<string, ExpectedEvent>): Map<string, number> {
  const out = new Map<string, number>();
  for (const event of simulator.simulation.store.allEvents()) {
    const key = keyOf(event);
    if (key === null || !expected.has(key)) continue;
    out.set(key, Math.min(out.get(key) ?? Infinity, event.createdAt));
  }
  return out;
}

function keyOf(event: { contactExtEventType: string; externalId?: string; email: string }): string | null {
  return event.contactExtEventType === 'CART'
    ? eventKey({ type: 'CART', externalId: event.externalId ?? '', email: event.email, ids: [] })
    : event.externalId === undefined
      ? null
      : eventKey({ type: event.contactExtEventType, externalId: event.externalId, ids: [] });
}

export function countArrivals(simulator: Simulator, expected: ReadonlyMap<string, ExpectedEvent>): Arrivals {
  const seen = new Map<string, number>();
  for (const event of simulator.simulation.store.allEvents()) {
    const key = keyOf(event);
    if (key === null) continue;
    if (expected.has(key)) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let duplicates = 0;
  let mostCopies = 0;
  for (const n of seen.values()) {
    duplicates += n - 1;
    mostCopies = Math.max(mostCopies, n);
  }
  const missingSample: string[] = [];
  for (const key of expected.keys()) {
    if (missingSample.length >= 5) break;
    if (!seen.has(key)) missingSample.push(key);
  }
  return { expected: expected.size, delivered: seen.size, duplicates, mostCopies, missing: expected.size - seen.size, missingSample };
}

export interface WaitOptions {
  /** Give up after this long (ms from the call). */
  timeoutMs: number;
  /** performance.now() the drain time is measured from. */
  since: number;
  /** Poll interval. */
  pollMs?: number;
  /** Stop early when this says nothing more will arrive (e.g. no ledger row is still in flight). */
  settled?: () => boolean;
  /** Called on every poll, e.g. to show progress. */
  progress?: (arrivals: Arrivals) => void;
}

export interface WaitResult {
  arrivals: Arrivals;
  /** ms from `since` until every expected event was stored; null if that did not happen. */
  drainedMs: number | null;
  /** Why the wait ended. */
  ended: 'all delivered' | 'settled' | 'timeout';
}

/** Polls the simulator until every expected event is stored, nothing more is in flight, or time runs out. */
export async function waitForArrivals(simulator: Simulator, expected: ReadonlyMap<string, ExpectedEvent>, options: WaitOptions): Promise<WaitResult> {
  const deadline = performance.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? (expected.size > 2_000 ? 500 : 200);
  for (;;) {
    const arrivals = countArrivals(simulator, expected);
    options.progress?.(arrivals);
    if (arrivals.missing === 0) return { arrivals, drainedMs: performance.now() - options.since, ended: 'all delivered' };
    if (options.settled?.()) return { arrivals, drainedMs: null, ended: 'settled' };
    if (performance.now() >= deadline) return { arrivals, drainedMs: null, ended: 'timeout' };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Waits a moment after everything arrived and counts again: a late retry would show up as a duplicate. */
export async function recountAfter(simulator: Simulator, expected: ReadonlyMap<string, ExpectedEvent>, ms: number): Promise<Arrivals> {
  await new Promise((r) => setTimeout(r, ms));
  return countArrivals(simulator, expected);
}
