// The capacity plan's calculation: the figures docs/operations.md "Capacity plan" quotes.
import { describe, expect, it } from 'vitest';
import { callsPer1000, capacityAt, DEFAULTS, HEADROOM, SCALES } from './capacity.ts';

describe('capacityAt', () => {
  it('1x fits one shard; 10x fits with more shards; 100x is held by the one D1 writer; 1,000x too', () => {
    const one = capacityAt(1);
    expect(one.shards).toBe(1);
    expect(one.first).toMatch(/^none/);
    const ten = capacityAt(10);
    expect(ten.shards).toBeGreaterThan(1);
    expect(Math.max(ten.consumerLoad, ten.queueLoad, ten.d1Load)).toBeLessThanOrEqual(HEADROOM);
    const hundred = capacityAt(100);
    expect(hundred.consumerLoad).toBeLessThanOrEqual(HEADROOM);
    expect(hundred.queueLoad).toBeLessThanOrEqual(HEADROOM);
    expect(hundred.first).toMatch(/^the D1 writer/);
    expect(capacityAt(1_000).first).toMatch(/^the D1 writer/);
    // The shard count grows with the traffic; the CPU per request stays far from the cap.
    expect(hundred.shards).toBeGreaterThan(ten.shards * 5);
    expect(hundred.cpuPerRequestShareOfCap).toBeLessThan(0.1);
    for (const s of SCALES) expect(capacityAt(s).messagesPerS).toBeCloseTo(one.messagesPerS * s, 6);
  });

  it('with the per-beacon read still on the D1 writer, 10x is over the limit', () => {
    expect(capacityAt(10, { ...DEFAULTS, beaconReadsOnWriter: 1 }).first).toMatch(/^the D1 writer/);
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
