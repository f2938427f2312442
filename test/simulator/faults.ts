// Run-time fault injection for the SALESmanago methods, per request path or "*" (every path).
// One PRNG draw per request picks at most one fault from cumulative bands: hang, error, 429, malformed.
import { createRandom, type Random } from './random.ts';
import { isObject } from './validation.ts';

export interface FaultRule {
  /** HTTP 500/502/503 with an HTML or JSON body; the request is not processed. */
  errorRate?: number;
  /** HTTP 429 with Retry-After; not processed. */
  rate429?: number;
  /** Retry-After seconds for 429 (default 1). */
  retryAfterS?: number;
  /** Delay added before the request is processed (or faulted). */
  latencyMs?: number;
  /** Never answer and do not process; the socket stays open until the client gives up or close(). */
  hangRate?: number;
  /** HTTP 200 with a truncated or non-JSON body; not processed. */
  malformedRate?: number;
  /**
   * The request IS processed (stored) at once, and the answer sent only after this many ms: what a
   * slow SALESmanago does. A client that gives up first and re-sends duplicates what it sent.
   */
  answerDelayMs?: number;
  /** 1: successful replies are only {"success": true} (no contactId, contactIds, eventId, amounts). */
  minimalReplies?: number;
}

/** Keys: "*" or a request path such as "/api/contact/upsert". A path's rule overrides "*" field by field. */
export type FaultConfig = Record<string, FaultRule>;

export type Fault =
  | { kind: 'hang' }
  | { kind: 'error'; status: 500 | 502 | 503; html: boolean }
  | { kind: 'rate429'; retryAfterS: number }
  | { kind: 'malformed'; body: string };

export interface FaultDecision {
  latencyMs: number;
  /** Delay between processing and answering (answerDelayMs). */
  answerDelayMs: number;
  minimalReplies: boolean;
  fault?: Fault;
}

const RATES = ['errorRate', 'rate429', 'hangRate', 'malformedRate'] as const;
const MAX_LATENCY_MS = 120_000;

/** Bodies a broken proxy or a crashed upstream might send with HTTP 200. */
const MALFORMED_BODIES = ['{"success":true,"message":[],"eventI', '<html><body><h1>Service temporarily unavailable</h1></body></html>', ''];

function faultRuleProblems(key: string, rule: unknown): string[] {
  if (key !== '*' && !key.startsWith('/')) return [`faults key "${key}" must be "*" or a path starting with "/"`];
  if (!isObject(rule)) return [`faults["${key}"] must be an object`];
  const problems: string[] = [];
  for (const [field, value] of Object.entries(rule)) {
    const where = `faults["${key}"].${field}`;
    if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${where} must be a number`);
    else if ((RATES as readonly string[]).includes(field)) {
      if (value < 0 || value > 1) problems.push(`${where} must be between 0 and 1`);
    } else if (field === 'minimalReplies') {
      if (value !== 0 && value !== 1) problems.push(`${where} must be 0 or 1`);
    } else if (field === 'latencyMs' || field === 'answerDelayMs') {
      if (value < 0 || value > MAX_LATENCY_MS) problems.push(`${where} must be between 0 and ${MAX_LATENCY_MS}`);
    } else if (field === 'retryAfterS') {
      if (value < 0 || !Number.isInteger(value)) problems.push(`${where} must be a non-negative integer`);
    } else problems.push(`${where} is not a known fault setting`);
  }
  return problems;
}

export class FaultInjector {
  private rules: FaultConfig = {};
  private random: Random;
  private seed: number;

  constructor(seed = 1) {
    this.seed = seed;
    this.random = createRandom(seed);
  }

  /**
   * Replaces the whole configuration ({} clears it). An optional numeric "seed" key re-seeds the PRNG.
   * Returns the problems found; nothing changes when there are any.
   */
  configure(input: unknown): string[] {
    if (!isObject(input)) return ['faults must be a JSON object'];
    const { seed, ...rules } = input;
    const problems: string[] = [];
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) problems.push('seed must be an integer');
    for (const [key, rule] of Object.entries(rules)) problems.push(...faultRuleProblems(key, rule));
    if (problems.length > 0) return problems;
    this.rules = structuredClone(rules) as FaultConfig;
    if (typeof seed === 'number') this.reseed(seed);
    return [];
  }

  /** Clears every rule and restarts the PRNG from its seed. */
  reset(): void {
    this.rules = {};
    this.reseed(this.seed);
  }

  config(): FaultConfig {
    return structuredClone(this.rules);
  }

  ruleFor(path: string): FaultRule {
    return { ...this.rules['*'], ...this.rules[path] };
  }

  decide(path: string): FaultDecision {
    const rule = this.ruleFor(path);
    const decision: FaultDecision = {
      latencyMs: rule.latencyMs ?? 0,
      answerDelayMs: rule.answerDelayMs ?? 0,
      minimalReplies: rule.minimalReplies === 1,
    };
    if (!RATES.some((r) => (rule[r] ?? 0) > 0)) return decision;
    const draw = this.random();
    let band = 0;
    if (draw < (band += rule.hangRate ?? 0)) decision.fault = { kind: 'hang' };
    else if (draw < (band += rule.errorRate ?? 0)) {
      const statuses = [500, 502, 503] as const;
      decision.fault = { kind: 'error', status: statuses[Math.floor(this.random() * 3)] ?? 500, html: this.random() < 0.5 };
    } else if (draw < (band += rule.rate429 ?? 0)) decision.fault = { kind: 'rate429', retryAfterS: rule.retryAfterS ?? 1 };
    else if (draw < (band += rule.malformedRate ?? 0)) {
      decision.fault = { kind: 'malformed', body: MALFORMED_BODIES[Math.floor(this.random() * MALFORMED_BODIES.length)] ?? '' };
    }
    return decision;
  }

  private reseed(seed: number): void {
    this.seed = seed;
    this.random = createRandom(seed);
  }
}
