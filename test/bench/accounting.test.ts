// The fault benchmark's accounting: every accepted event in exactly one category, and what fits none
// of them counted as unaccounted (the figure that fails the benchmark).
import { describe, expect, it } from 'vitest';
import type { LedgerRowState } from './bench-stack.ts';
import { accountFor } from './faults.ts';
import { eventKey, type ExpectedEvent } from './traffic.ts';

const row = (status: string, extra: Partial<LedgerRowState> = {}): LedgerRowState => ({ status, lastError: null, nextAttemptAt: null, attempts: 1, ...extra });

describe('accountFor', () => {
  it('puts each event in one category; a row delivered but not stored, or no row, is unaccounted', () => {
    const events: ExpectedEvent[] = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => ({ type: 'VISIT', externalId: id, ids: [id] }));
    const cart: ExpectedEvent = { type: 'CART', externalId: '', email: 'x@example.com', ids: ['c1', 'c2'] };
    const expected = new Map([...events, cart].map((e) => [eventKey(e), e]));
    const stored = new Set([eventKey(events[0]!)]);
    const rows = new Map<string, LedgerRowState>([
      ['a', row('delivered')],
      ['b', row('queued', { nextAttemptAt: Date.UTC(2026, 0, 1), lastError: 'events: HTTP 503' })],
      ['c', row('failed', { lastError: 'refused: bad' })],
      ['d', row('dead', { lastError: 'retries exhausted after 30 attempts' })],
      ['e', row('held')],
      ['f', row('delivered')],
      ['c1', row('delivered')],
      ['c2', row('queued')],
    ]);
    const a = accountFor(expected, stored, rows);
    expect(a).toMatchObject({ delivered: 1, queued: 2, failed: 1, dead: 1, held: 1, unaccounted: 2 });
    expect(a.nextAttemptLatest).toBe('2026-01-01T00:00:00.000Z');
    expect(a.samples.unaccounted).toEqual(['VISIT f: ledger delivered (1 attempts, no error) but not at SALESmanago', 'VISIT g: no ledger row']);
    expect(a.samples.dead?.[0]).toMatch(/retries exhausted/);
  });
});
