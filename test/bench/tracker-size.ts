// 1. Tracker size: what every storefront page downloads. dist/s.js is already minified by rollup
// (terser); the figure that matters on the wire is its gzip size.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../stack/processes.ts';
import { formatNumber, type BenchOutcome } from './table.ts';

const TRACKER_BUDGET_BYTES = 1_500;
const TRACKER_GOAL_BYTES = 1_200;

export function measureTrackerSize(file = join(ROOT, 'dist', 's.js')): BenchOutcome {
  const code = readFileSync(file);
  const minified = code.byteLength;
  const gzip = gzipSync(code, { level: 9 }).byteLength;
  const bench = '1 Tracker size';
  return {
    rows: [
      { bench, figure: 'dist/s.js minified', result: `${formatNumber(minified)} B`, goal: '', met: null },
      {
        bench,
        figure: 'dist/s.js gzip -9 vs budget',
        result: `${formatNumber(gzip)} B (${formatNumber((gzip / TRACKER_BUDGET_BYTES) * 100)}% of budget)`,
        goal: `<= ${formatNumber(TRACKER_BUDGET_BYTES)} B`,
        met: gzip <= TRACKER_BUDGET_BYTES,
      },
      {
        bench,
        figure: 'dist/s.js gzip -9 vs goal',
        result: `${formatNumber(gzip)} B (${formatNumber((gzip / TRACKER_GOAL_BYTES) * 100)}% of goal)`,
        goal: `<= ${formatNumber(TRACKER_GOAL_BYTES)} B`,
        met: gzip <= TRACKER_GOAL_BYTES,
      },
    ],
    notes: [],
    data: { file: 'dist/s.js', minifiedBytes: minified, gzipBytes: gzip, budgetBytes: TRACKER_BUDGET_BYTES, goalBytes: TRACKER_GOAL_BYTES },
  };
}
