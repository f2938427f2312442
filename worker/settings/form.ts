// A save from the setup page, as plain functions: read the posted form against the settings table,
// validate the result with the same rules as readConfig (so /health, the page and the consumer agree),
// and produce what to store. Nothing here touches HTTP or D1. readConfig is handed in by the caller
// (setup/save.ts): config.ts reads this folder's table, so settings/ does not import it back.
import type { ConfigVars } from '../config-names.ts';
import type { ConfigProblem } from '../config-rules.ts';
import type { Env } from '../env.ts';
import { generateSecret } from './crypto.ts';
import { maxLengthOf, SETTINGS, type SettingField } from './fields.ts';
import { asVar, mergeSettings, readTags, sourceOf, type StoredSetting } from './merge.ts';

export type FormValues = Record<string, string | undefined>;

export interface SaveResult {
  /** The stored settings after the save (plain text; secrets not yet sealed). */
  next: Map<string, StoredSetting>;
  /** What changed: a new plain value, or null for removed. */
  changes: { field: SettingField; value: string | null }[];
  /** Problems of the settings on the form (the save is refused when there is any). */
  errors: ConfigProblem[];
  /** Secrets generated for the merchant, shown once. */
  generated: { name: string; value: string }[];
}

/** What the merchant typed or chose for one field; undefined = leave as it is. */
function posted(field: SettingField, form: FormValues): { value: string | null; generated?: string } | undefined {
  const raw = (form[field.name] ?? '').trim();
  switch (field.kind) {
    case 'secret': {
      if (form[`${field.name}.generate`]) {
        const value = generateSecret();
        return { value, generated: value };
      }
      if (form[`${field.name}.clear`]) return { value: null };
      return raw ? { value: raw } : undefined;
    }
    case 'flag':
      // A checkbox sends nothing when off; the hidden "<name>.shown" says the field was on the form.
      if (!form[`${field.name}.shown`]) return undefined;
      return { value: form[field.name] ? 'true' : 'false' };
    case 'tags':
      if (!form[`${field.name}.shown`]) return undefined;
      return { value: JSON.stringify({ on: Boolean(form[`${field.name}.on`]), tags: raw }) };
    case 'choice':
      if (form[field.name] === undefined) return undefined;
      return { value: raw || null };
    default:
      if (form[field.name] === undefined) return undefined;
      return { value: raw || null };
  }
}

/** config.ts readConfig, or anything that names the problems of merged values the same way. */
type ReadConfig = (vars: ConfigVars) => { problems: ConfigProblem[] };

export function applySettingsForm(readConfig: ReadConfig, raw: Env, current: Map<string, StoredSetting>, form: FormValues): SaveResult {
  const next = new Map(current);
  const changes: SaveResult['changes'] = [];
  const generated: SaveResult['generated'] = [];
  const tooLong: ConfigProblem[] = [];
  const now = Date.now();
  const merged = mergeSettings(raw, current);
  for (const field of SETTINGS) {
    if (sourceOf(field, raw, current) === 'wrangler') continue; // locked: wrangler's value wins
    const p = posted(field, form);
    if (!p) continue;
    // Bounded before anything else reads it (a tags value is checked as typed, not as stored JSON).
    const typed = field.kind === 'tags' ? (form[field.name] ?? '').trim() : (p.value ?? '');
    if (typed.length > maxLengthOf(field)) {
      tooLong.push({ name: field.name, problem: `must be at most ${maxLengthOf(field)} characters` });
      continue;
    }
    const before = current.get(field.name)?.value ?? null;
    if (p.value === before) continue;
    // The default, posted back unchanged, is not a change (and stays a default that may follow others).
    if (before === null && p.value !== null && sourceOf(field, raw, current) === 'default' && asVar(field, p.value) === (merged[field.name] ?? '')) continue;
    if (p.value === null) next.delete(field.name);
    else next.set(field.name, { value: p.value, updatedAt: now });
    changes.push({ field, value: p.value });
    if (p.generated) generated.push({ name: field.name, value: p.generated });
  }
  const problems = readConfig(mergeSettings(raw, next)).problems;
  const editable = new Set(SETTINGS.filter((f) => sourceOf(f, raw, next) !== 'wrangler').map((f) => f.name as string));
  // "is not set" alone is not a reason to refuse a save: a merchant may fill the page in several visits.
  // But the connection is its four values or none: a save that leaves some of them set and another
  // empty (a cleared API Secret, an emptied Client ID) would break the integration, so it is refused.
  const errors = [
    ...tooLong,
    ...problems.filter((p) => editable.has(p.name) && p.problem !== 'is not set'),
    ...missingRequired(mergeSettings(raw, next))
      .filter((name) => editable.has(name))
      .map((name) => ({ name, problem: REQUIRED_PROBLEM })),
  ];
  return { next, changes, errors, generated };
}

/** The four values of the SALESmanago connection (docs/seed.md steps 1-3): all of them, or none. */
const REQUIRED_TOGETHER = ['SALESMANAGO_ENDPOINT', 'SALESMANAGO_CLIENT_ID', 'SALESMANAGO_API_SECRET', 'SALESMANAGO_OWNER'] as const;
const REQUIRED_PROBLEM = 'is required';

/** The connection values left empty while another of them is set (none when all or none are set). */
function missingRequired(values: Partial<Record<(typeof REQUIRED_TOGETHER)[number], unknown>>): string[] {
  const empty = REQUIRED_TOGETHER.filter((name) => String(values[name] ?? '').trim() === '');
  return empty.length === REQUIRED_TOGETHER.length ? [] : empty;
}

/** The tag list and switch of a tags field as the form shows them. */
export function tagsOnForm(stored: string | null | undefined, fallback: string): { on: boolean; tags: string } {
  if (stored === null || stored === undefined) return { on: fallback !== '', tags: fallback };
  return readTags(stored);
}
