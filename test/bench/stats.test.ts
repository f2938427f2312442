import { describe, expect, it } from 'vitest';
import { balancedOrder, interleave, median, pairedRatios, pooledQuantileRatio, quantile, summarize } from './stats.ts';

describe('median and quantile', () => {
  it('takes the middle sample of an odd count, whatever the input order', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([3])).toBe(3);
  });

  it('averages the two middle samples of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('interpolates between ranks and reaches the extremes at 0 and 1', () => {
    const xs = [10, 20, 30, 40, 50];
    expect(quantile(xs, 0)).toBe(10);
    expect(quantile(xs, 1)).toBe(50);
    expect(quantile(xs, 0.25)).toBe(20);
    expect(quantile(xs, 0.9)).toBeCloseTo(46, 10);
  });

  it('does not reorder the caller’s array', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('ignores non-finite samples and refuses an empty or all-NaN series', () => {
    expect(median([1, Number.NaN, 3, Infinity])).toBe(2);
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([Number.NaN])).toThrow(RangeError);
  });

  it('refuses a quantile outside 0..1', () => {
    expect(() => quantile([1, 2], 1.5)).toThrow(RangeError);
    expect(() => quantile([1, 2], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('reports median, extremes and the spread relative to the median', () => {
    expect(summarize([90, 110, 100])).toEqual({ n: 3, median: 100, min: 90, max: 110, spread: 0.2 });
  });

  it('has no spread for identical samples or a single one', () => {
    expect(summarize([7, 7]).spread).toBe(0);
    expect(summarize([7]).spread).toBe(0);
  });

  it('reports an unbounded spread when the median is 0 but the samples differ', () => {
    expect(summarize([0, 0, 5]).spread).toBe(Infinity);
  });
});

describe('pairedRatios', () => {
  it('divides round by round', () => {
    expect(pairedRatios([80, 90], [100, 100])).toEqual([0.8, 0.9]);
  });

  it('refuses series of different lengths or no rounds', () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow(RangeError);
    expect(() => pairedRatios([], [])).toThrow(RangeError);
  });
});

describe('interleave', () => {
  it('rotates the variants so each runs first in turn', () => {
    expect(interleave(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(interleave(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(interleave(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c']);
    expect(interleave(['a', 'b'], 1)).toEqual(['b', 'a']);
  });

  it('runs every variant in every round', () => {
    for (let round = 0; round < 5; round++) expect(interleave([1, 2, 3, 4], round).sort()).toEqual([1, 2, 3, 4]);
  });

  it('returns nothing for no variants', () => {
    expect(interleave([], 2)).toEqual([]);
  });
});

describe('balancedOrder', () => {
  it('over 2 x n rounds, runs each variant after each other one equally often', () => {
    const follows = new Map<string, number>();
    for (let round = 0; round < 6; round++) {
      const order = balancedOrder(['a', 'b', 'c'], round);
      expect([...order].sort()).toEqual(['a', 'b', 'c']);
      for (let i = 1; i < order.length; i++) follows.set(`${order[i - 1]}${order[i]}`, (follows.get(`${order[i - 1]}${order[i]}`) ?? 0) + 1);
    }
    expect(Object.fromEntries(follows)).toEqual({ ab: 2, bc: 2, ca: 2, ba: 2, cb: 2, ac: 2 });
    // Plain rotation only ever has a->b, b->c and c->a.
    const rotated = new Set(Array.from({ length: 6 }, (_, r) => interleave(['a', 'b', 'c'], r)).flatMap((o) => [`${o[0]}${o[1]}`, `${o[1]}${o[2]}`]));
    expect([...rotated].sort()).toEqual(['ab', 'bc', 'ca']);
  });
});

describe('medianInterval', () => {
  it('brackets the median, is reproducible, and narrows with more samples', async () => {
    const { medianInterval } = await import('./stats.ts');
    const few = [0.9, 1.1, 1.0, 1.3, 0.8];
    const ci = medianInterval(few);
    expect(ci.low).toBeLessThanOrEqual(1.0);
    expect(ci.high).toBeGreaterThanOrEqual(1.0);
    expect(medianInterval(few)).toEqual(ci);
    const many = Array.from({ length: 40 }, (_, i) => few[i % few.length]!);
    const narrow = medianInterval(many);
    expect(narrow.high - narrow.low).toBeLessThanOrEqual(ci.high - ci.low);
  });
});

describe('pooledQuantileRatio', () => {
  const rounds = (n: number, size: number, scale: number, spread = 0) =>
    Array.from({ length: n }, (_, r) => Array.from({ length: size }, (_, i) => scale * (1 + i / size) + spread * (r % 3)));

  it('is 1 with a narrow interval when both conditions are the same', () => {
    const a = rounds(12, 400, 50, 5);
    const out = pooledQuantileRatio(a, a, 0.99);
    expect(out.ratio).toBe(1);
    expect(out.low).toBe(1);
    expect(out.high).toBe(1);
  });

  it('finds a real slowdown, with the whole interval above 1', () => {
    const out = pooledQuantileRatio(rounds(12, 400, 75, 5), rounds(12, 400, 50, 5), 0.99);
    expect(out.ratio).toBeGreaterThan(1.4);
    expect(out.low).toBeGreaterThan(1.1);
    expect(out.high).toBeGreaterThanOrEqual(out.ratio);
  });

  it('pools the rounds: one round’s outlier moves the pooled p99 less than that round’s own p99', () => {
    const fast = rounds(12, 400, 50);
    const slow = rounds(12, 400, 50);
    slow[3] = slow[3]!.map((x, i) => (i >= 396 ? x * 10 : x));
    const pooled = pooledQuantileRatio(slow, fast, 0.99).ratio;
    const own = quantile(slow[3]!, 0.99) / quantile(fast[3]!, 0.99);
    expect(pooled).toBeLessThan(own);
  });

  it('refuses unpaired rounds', () => {
    expect(() => pooledQuantileRatio([[1]], [], 0.99)).toThrow(RangeError);
  });
});
