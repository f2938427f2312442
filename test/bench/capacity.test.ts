// The capacity plan's calculation: the figures docs/operations.md "Capacity plan" quotes.
import { describe, expect, it } from 'vitest';
import { capacityAt, DEFAULTS } from './capacity.ts';

describe('capacityAt', () => {
  it('1x fits one consumer; 10x needs consumer concurrency first, then D1; 100x also the queue', () => {
    const one = capacityAt(1);
    expect(one.consumerLoad).toBeLessThan(0.7);
    expect(one.first).toMatch(/^none/);
    const ten = capacityAt(10);
    expect(ten.first).toMatch(/^consumer .* -> max_concurrency 7.*; then D1/);
    const hundred = capacityAt(100);
    expect(hundred.queueLoad).toBeGreaterThan(1);
    expect(hundred.first).toMatch(/queue 5,000/);
    // Linear in traffic, and the CPU per request is far from the cap at every step.
    expect(hundred.messagesPerS).toBeCloseTo(one.messagesPerS * 100, 6);
    expect(hundred.cpuPerRequestShareOfCap).toBeLessThan(0.1);
  });

  it('a slower SALESmanago moves the consumer limit, not the others', () => {
    const slow = capacityAt(1, { ...DEFAULTS, salesmanagoCallS: 1 });
    expect(slow.consumerLoad).toBeGreaterThan(capacityAt(1).consumerLoad * 2);
    expect(slow.d1Load).toBe(capacityAt(1).d1Load);
  });
});
