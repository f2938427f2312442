// The capacity plan's calculation: the figures docs/operations.md "Capacity plan" quotes.
import { describe, expect, it } from 'vitest';
import { callsPer1000, capacityAt, DEFAULTS, HEADROOM, ledgerSplit, MAX_LEDGERS, SCALES } from './capacity.ts';

describe('capacityAt', () => {
  it('1x fits one shard and one ledger database; 10x more shards; 100x more ledger databases too; 1,000x is held by LEDGER', () => {
    const one = capacityAt(1);
    expect(one).toMatchObject({ shards: 1, ledgers: 1 });
    expect(one.first).toMatch(/^none/);
    const ten = capacityAt(10);
    expect(ten.shards).toBeGreaterThan(1);
    expect(ten.ledgers).toBe(1);
    expect(Math.max(ten.consumerLoad, ten.queueLoad, ten.d1Load)).toBeLessThanOrEqual(HEADROOM);
    const hundred = capacityAt(100);
    // One database's writer would be far over; split, every writer is within the headroom.
    expect(hundred.d1Load).toBeGreaterThan(1);
    expect(hundred.ledgers).toBeGreaterThan(1);
    expect(Math.max(hundred.consumerLoad, hundred.queueLoad, hundred.ledgerLoad, hundred.homeLoad)).toBeLessThanOrEqual(HEADROOM);
    expect(hundred.first).toMatch(/^none/);
    expect(hundred.shards % hundred.ledgers).toBe(0);
    // LEDGER carries every consumer run's read: past some traffic no split keeps it within.
    const thousand = capacityAt(1_000);
    expect(thousand.first).toMatch(/^LEDGER's writer/);
    expect(thousand.homeLoad).toBeGreaterThan(HEADROOM);
    // The shard count grows with the traffic; the CPU per request stays far from the cap.
    expect(hundred.shards).toBeGreaterThan(ten.shards * 5);
    expect(hundred.cpuPerRequestShareOfCap).toBeLessThan(0.1);
    for (const s of SCALES) expect(capacityAt(s).messagesPerS).toBeCloseTo(one.messagesPerS * s, 6);
  });

  it('the fewest ledger databases: LEDGER alone until one writer is over; more when it is, LEDGER carrying the runs', () => {
    expect(ledgerSplit(0.5, 100)).toEqual({ ledgers: 1, ledgerLoad: 0.5, homeLoad: 0.5 });
    const split = ledgerSplit(1.6, 50);
    expect(split.ledgers).toBe(3);
    expect(split.homeLoad).toBeCloseTo(1.6 / 3 + 0.05, 9);
    expect(ledgerSplit(10, 800).ledgers).toBe(MAX_LEDGERS);
  });

  it('with the per-beacon read still on the D1 writer, 10x is over one writer and needs a second ledger database', () => {
    const onWriter = capacityAt(10, { ...DEFAULTS, beaconReadsOnWriter: 1 });
    expect(onWriter.d1Load).toBeGreaterThan(HEADROOM);
    expect(onWriter.ledgers).toBeGreaterThan(capacityAt(10).ledgers);
  });

  it('the accumulator per shard: more shards at low traffic cost more calls per 1,000 events, at high traffic none', () => {
    const low = capacityAt(1);
    expect(callsPer1000(low.eventsPerS, low.eventsPerS / 1.2, 4)).toBeGreaterThan(callsPer1000(low.eventsPerS, low.eventsPerS / 1.2, 1));
    const high = capacityAt(100);
    expect(callsPer1000(high.eventsPerS, high.eventsPerS / 1.2, high.shards)).toBeCloseTo(callsPer1000(high.eventsPerS, high.eventsPerS / 1.2, 1), 6);
  });

  it('a slower SALESmanago (a lower drain rate per shard) needs more shards, and leaves D1 as it was', () => {
    const slow = capacityAt(10, { ...DEFAULTS, perShardDrainEventsPerS: DEFAULTS.perShardDrainEventsPerS / 2 });
    expect(slow.shards).toBeGreaterThan(capacityAt(10).shards);
    expect(slow.d1Load).toBe(capacityAt(10).d1Load);
  });
});
