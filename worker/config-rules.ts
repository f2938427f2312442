// The kinds of rule a setting's entry carries (settings/fields.ts) and the plain functions that apply
// them: config.ts applies each entry's rule to the merged value, and the entry's hint quotes the same
// bounds. Nothing here knows a setting by name, and nothing here throws: a value a rule refuses is
// named as a problem (on /health, /setup and in deploy:check) and replaced, never clamped silently.

export interface ConfigProblem {
  name: string;
  problem: string;
}

/** The unit a whole number's problems name (setup/i18n.ts says each in Polish). */
export type Unit = 'days' | 'seconds' | 'milliseconds';

/** A whole number: empty is `default`; one outside min..max is clamped to them. No unit: a count. */
export interface WholeRule {
  kind: 'whole';
  default: number;
  min: number;
  max: number;
  unit?: Unit;
}

/**
 * A value without which the worker cannot deliver or authenticate: unset is named "is not set", a
 * value `check` refuses is named with its message, and either way the value counts as unset.
 */
export interface RequiredRule {
  kind: 'required';
  check: (value: string) => string | null;
  /** The shortest value accepted, when that is the rule (a secret): hints quote it. */
  minLength?: number;
}

/** An optional value with a format: empty is unset; a value `check` refuses is named and counts as unset. */
export interface FormatRule {
  kind: 'format';
  check: (value: string) => string | null;
}

export type SettingRule = WholeRule | RequiredRule | FormatRule;

export const whole = (bounds: Omit<WholeRule, 'kind'>): WholeRule => ({ kind: 'whole', ...bounds });

export const required = (check: RequiredRule['check']): RequiredRule => ({ kind: 'required', check });

export const format = (check: FormatRule['check']): FormatRule => ({ kind: 'format', check });

/** A secret: a shorter one authenticates nothing, so it counts as unset. */
export const atLeast = (minLength: number): RequiredRule => ({
  kind: 'required',
  minLength,
  check: (v) => (v.length >= minLength ? null : `must be at least ${minLength} characters long`),
});

export function text(value: string | undefined): string {
  return (value ?? '').trim();
}

/** Applies a whole-number rule: not a whole number is named and replaced by the default; outside the bounds, named and clamped. */
export function readWhole(name: string, value: string | undefined, rule: WholeRule, problems: ConfigProblem[]): number {
  const raw = text(value);
  if (raw === '') return rule.default;
  const n = Number(raw);
  const { min, max, unit } = rule;
  if (!Number.isInteger(n)) {
    problems.push({ name, problem: `must be a whole number${unit ? ` of ${unit}` : ''} (${min} to ${max}); using ${rule.default}` });
    return rule.default;
  }
  if (n < min || n > max) {
    const used = Math.min(max, Math.max(min, n));
    problems.push({ name, problem: `must be from ${min} to ${max}${unit ? ` ${unit}` : ''}; using ${used}` });
    return used;
  }
  return n;
}

/** Applies a required rule: the trimmed value, or null (named as a problem) when unset or refused. */
export function readRequired(name: string, value: string | undefined, rule: RequiredRule, problems: ConfigProblem[]): string | null {
  const v = text(value);
  const problem = v ? rule.check(v) : 'is not set';
  if (problem) {
    problems.push({ name, problem });
    return null;
  }
  return v;
}

/** Applies a format rule: the trimmed value, or null when unset, or refused (then named as a problem). */
export function readFormat(name: string, value: string | undefined, rule: FormatRule, problems: ConfigProblem[]): string | null {
  const v = text(value);
  if (!v) return null;
  const problem = rule.check(v);
  if (problem) {
    problems.push({ name, problem });
    return null;
  }
  return v;
}

/** A base URL over https (http on localhost), without a path: SALESmanago's endpoints, the worker's own address. */
export function endpointProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL (expected e.g. https://app3.salesmanago.com)';
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    return 'must use https';
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    return 'must be the base URL only, without a path (e.g. https://app3.salesmanago.com)';
  }
  return null;
}
