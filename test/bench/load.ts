// Load generation: runs autocannon in a child process (load-child.ts) and returns what it measured.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type LoadTarget = 'floor' | 'bindings-floor' | 'signed-floor' | 'beacon' | 'shop-event';

export interface LoadSpec {
  /** Worker base URL. */
  url: string;
  target: LoadTarget;
  durationS: number;
  connections: number;
  /** Overall requests per second; unset = as fast as the connections go (closed loop). */
  rate?: number;
  /** Makes ids unique across runs. */
  tag: string;
  /** Also answer every response's latency (samplesMs). */
  samples?: boolean;
}

export interface LoadResult {
  target: LoadTarget;
  durationS: number;
  requests: number;
  /** HTTP status -> count. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** 202 answers that rejected some events of the request. */
  partlyRejected: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Every response's latency in ms, when the spec asked for samples. */
  samplesMs?: number[];
}

/** The status each target answers when it accepts a request. */
const ACCEPTED_STATUS: Record<LoadTarget, string> = { floor: '204', 'bindings-floor': '202', 'signed-floor': '202', beacon: '202', 'shop-event': '202' };

/** Accepted requests per second: refusals (e.g. 429) do not count as throughput. */
export function acceptedPerSecond(result: LoadResult): number {
  return ((result.statuses[ACCEPTED_STATUS[result.target]] ?? 0) - result.partlyRejected) / result.durationS;
}

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', CHILD, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator (${spec.target}) exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`load generator (${spec.target}) printed no result: ${out.slice(0, 200)} ${err.slice(0, 200)}`));
      }
    });
  });
}
