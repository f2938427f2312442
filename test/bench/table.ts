// The one table `npm run bench` prints, and the formatting of its figures.
import type { Summary } from './stats.ts';

export interface Row {
  /** Benchmark number and name, e.g. "2 Ingest cost". */
  bench: string;
  /** What the row measures. */
  figure: string;
  /** The figure, formatted. */
  result: string;
  /** The goal, formatted; empty when the row is informative only. */
  goal: string;
  /** true = goal met, false = not met, null = no goal or could not be measured. */
  met: boolean | null;
}

export interface BenchOutcome {
  rows: Row[];
  /** Remarks printed under the table (scaled-down runs, what was measured, why something failed). */
  notes: string[];
  /** Everything measured, for bench-results.json. */
  data: Record<string, unknown>;
}

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "0.83 (0.79-0.88, n=4)": median with the range of the rounds. */
export function formatSummary(s: Summary, digits = 2, unit = ''): string {
  const f = (v: number) => `${formatNumber(v, digits)}${unit}`;
  if (s.n === 1) return `${f(s.median)} (1 round)`;
  return `${f(s.median)} (${f(s.min)}-${f(s.max)}, n=${s.n})`;
}

function status(met: boolean | null): string {
  return met === null ? '' : met ? 'met' : 'NOT MET';
}

export function renderTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'figure', 'result (median, range of rounds)', 'goal', 'status'];
  const cells = rows.map((r) => [r.bench, r.figure, r.result, r.goal, status(r.met)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => `| ${c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

/** A row for a benchmark that could not run, so the table still shows it. */
export function failedRow(bench: string, error: unknown): Row {
  const message = error instanceof Error ? error.message : String(error);
  return { bench, figure: 'did not run', result: message.split('\n')[0]?.slice(0, 120) ?? '', goal: '', met: null };
}
