// Statistics of benchmark rounds. Absolute times on a shared machine are noise, so every figure is a
// median of several rounds with its spread, and comparisons are ratios of figures measured in the
// same round (paired), never of two separate runs.
import { createRandom } from '../simulator/random.ts';

export interface Summary {
  /** Number of samples. */
  n: number;
  median: number;
  min: number;
  max: number;
  /** (max - min) / |median|, as a fraction; 0 for a single sample, Infinity when the median is 0 but the samples differ. */
  spread: number;
}

function finite(values: readonly number[]): number[] {
  const out = values.filter((v) => Number.isFinite(v));
  if (out.length === 0) throw new RangeError('no finite samples');
  return out;
}

/** The value below which a fraction q (0..1) of the samples lie, interpolating linearly between ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not between 0 and 1`);
  const sorted = finite(values).sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (position - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function summarize(values: readonly number[]): Summary {
  const samples = finite(values);
  const mid = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  const width = max - min;
  const spread = width === 0 ? 0 : mid === 0 ? Infinity : width / Math.abs(mid);
  return { n: samples.length, median: mid, min, max, spread };
}

/** Round-by-round ratios a[i] / b[i] of two series measured side by side. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError(`paired series differ in length (${a.length} vs ${b.length})`);
  if (a.length === 0) throw new RangeError('no rounds to compare');
  return a.map((value, i) => value / (b[i] as number));
}

/**
 * The order in which to run the variants in round `round` (0-based): each round rotates the list, so
 * that every variant runs first, middle and last equally often and a drift of the machine during the
 * run (warming up, another job starting) does not favour one of them.
 */
export function interleave<T>(variants: readonly T[], round: number): T[] {
  if (variants.length === 0) return [];
  const shift = ((round % variants.length) + variants.length) % variants.length;
  return [...variants.slice(shift), ...variants.slice(0, shift)];
}

/**
 * Like interleave, and every other cycle of rounds in reverse: over 2 x n rounds each variant follows
 * each other one equally often (a Williams design), so that what a run leaves behind (a backlog the
 * next run drains) falls on every variant alike.
 */
export function balancedOrder<T>(variants: readonly T[], round: number): T[] {
  const order = interleave(variants, round);
  return Math.floor(round / Math.max(1, variants.length)) % 2 === 1 ? order.reverse() : order;
}

/**
 * A 95 % confidence interval of the median, by bootstrap (resampling the samples with replacement,
 * `resamples` times, with a fixed-seed PRNG so that the same samples always give the same interval).
 */
export function medianInterval(values: readonly number[], resamples = 2_000, seed = 1): { low: number; high: number } {
  const samples = finite(values);
  const random = createRandom(seed);
  const medians: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const draw = Array.from({ length: samples.length }, () => samples[Math.floor(random() * samples.length)] as number);
    medians.push(median(draw));
  }
  return { low: quantile(medians, 0.025), high: quantile(medians, 0.975) };
}

/**
 * The ratio of the q-quantiles of two conditions measured in paired rounds, each condition's samples
 * pooled over its rounds, with a 95 % bootstrap interval that resamples whole rounds (a round's pair
 * stays together, so what a busy moment of the machine did to both conditions stays paired).
 */
export function pooledQuantileRatio(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  q: number,
  resamples = 1_000,
  seed = 1,
): { ratio: number; low: number; high: number } {
  if (a.length !== b.length || a.length === 0) throw new RangeError('pooledQuantileRatio: the same number of rounds, at least one');
  const ratioOf = (rounds: readonly number[]) =>
    quantile(
      rounds.flatMap((r) => a[r]!),
      q,
    ) /
    quantile(
      rounds.flatMap((r) => b[r]!),
      q,
    );
  const all = a.map((_, r) => r);
  const random = createRandom(seed);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) ratios.push(ratioOf(all.map(() => Math.floor(random() * all.length))));
  return { ratio: ratioOf(all), low: quantile(ratios, 0.025), high: quantile(ratios, 0.975) };
}
