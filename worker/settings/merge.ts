// The ONE place the configuration comes from: wrangler's vars and secrets merged with the settings
// saved on the setup page. Precedence, per setting: a non-empty wrangler var or secret wins (and
// locks the field on the page); otherwise the stored value; otherwise the default of the settings
// table (fields.ts). index.ts applies it to every request, the queue consumer and the hourly job;
// readConfig (config.ts) parses the merged values, and everything else reads that Config.
import type { Env } from '../env.ts';
import { isSealed, open } from './crypto.ts';
import { SETTINGS, type SettingField, type SettingName } from './fields.ts';
import { readStoredRows, type SettingsChange } from '../ledger/settings.ts';
import { readSnapshot } from './store.ts';
import { errorText } from '../log.ts';

export type SettingSource = 'wrangler' | 'stored' | 'default';

export interface StoredSetting {
  /** The stored text; for a secret, the decrypted value (null when it cannot be decrypted). */
  value: string | null;
  updatedAt: number;
}

export interface SettingsState {
  /** The worker's own bindings, before the merge. */
  raw: Env;
  stored: Map<string, StoredSetting>;
  lastChange: SettingsChange | null;
  /** Set when the stored settings could not be read (then only wrangler's values apply). */
  error?: string;
}

const states = new WeakMap<Env, SettingsState>();

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** A tags field is stored as {"on":bool,"tags":"A,B"}, so switching it off keeps the list. */
export function readTags(stored: string): { on: boolean; tags: string } {
  try {
    const v = JSON.parse(stored) as { on?: unknown; tags?: unknown };
    return { on: v.on !== false, tags: typeof v.tags === 'string' ? v.tags : '' };
  } catch {
    return { on: true, tags: stored };
  }
}

/** The value a stored setting stands for, as a wrangler var would carry it. */
export function asVar(field: SettingField, stored: string): string {
  if (field.kind === 'tags') {
    const { on, tags } = readTags(stored);
    return on ? tags : '';
  }
  return stored;
}

export function sourceOf(field: SettingField, raw: Env, stored: Map<string, StoredSetting>): SettingSource {
  if (text(raw[field.name])) return 'wrangler';
  const s = stored.get(field.name);
  return s && s.value !== null ? 'stored' : 'default';
}

/** Pure: the merged Env for these stored settings. */
export function mergeSettings(raw: Env, stored: Map<string, StoredSetting>): Env {
  const merged: Env = { ...raw };
  const values: Partial<Record<SettingName, string>> = {};
  const fallbacks: SettingField[] = [];
  for (const field of SETTINGS) {
    const source = sourceOf(field, raw, stored);
    if (source === 'wrangler') values[field.name] = text(raw[field.name]);
    else if (source === 'stored') values[field.name] = asVar(field, stored.get(field.name)!.value!);
    else fallbacks.push(field);
  }
  for (const field of fallbacks) {
    const f = field.fallback;
    const value = typeof f === 'function' ? f(values) : f;
    if (value !== undefined) values[field.name] = value;
  }
  Object.assign(merged, values);
  return merged;
}

// Request routes read the KV snapshot through a short per-isolate cache (a save in this isolate
// clears it). `fresh` reads D1 itself: the setup page and the queue consumer (store.ts says why).
const CACHE_MS = 5_000;
let cache: { at: number; kv: KVNamespace; promise: ReturnType<typeof readSnapshot> } | null = null;
const opened = new Map<string, string | null>();
// The last merge made from the cached snapshot: while the same raw Env meets the same snapshot, the
// merged Env is the same object, so the request routes do not merge (nor parse the configuration,
// http/config.ts) again on every request. A save or the 5 s expiry makes a new snapshot, hence a new merge.
let lastMerge: { raw: Env; snapshot: ReturnType<typeof readSnapshot>; merged: Env } | null = null;

export function forgetStoredSettings(): void {
  cache = null;
  lastMerge = null;
}

function storedRows(raw: Env, fresh: boolean) {
  if (fresh) return readStoredRows(raw.LEDGER);
  const now = Date.now();
  if (!cache || cache.kv !== raw.CONSENTS || now - cache.at > CACHE_MS) {
    const promise = readSnapshot(raw.CONSENTS);
    cache = { at: now, kv: raw.CONSENTS, promise };
    promise.catch(() => {
      if (cache?.promise === promise) cache = null;
    });
  }
  return cache.promise;
}

/** Reads the stored settings (decrypting secrets). Never throws: on a storage error only wrangler's values apply. */
export function loadSettings(raw: Env, options: { fresh?: boolean } = {}): Promise<SettingsState> {
  return settingsFrom(raw, storedRows(raw, options.fresh ?? false));
}

async function settingsFrom(raw: Env, snapshot: ReturnType<typeof readSnapshot>): Promise<SettingsState> {
  const stored = new Map<string, StoredSetting>();
  try {
    const { rows, lastChange } = await snapshot;
    for (const row of rows) {
      if (!SETTINGS.some((f) => f.name === row.name)) continue;
      let value: string | null = row.value;
      if (isSealed(row.value)) {
        const memo = `${raw.SETTINGS_KEY ?? ''}\n${raw.ADMIN_PASSWORD ?? ''}\n${row.name}\n${row.value}`;
        if (!opened.has(memo)) {
          if (opened.size > 200) opened.clear();
          opened.set(memo, await open(raw, row.name, row.value));
        }
        value = opened.get(memo) ?? null;
      }
      stored.set(row.name, { value, updatedAt: row.updatedAt });
    }
    return { raw, stored, lastChange };
  } catch (err) {
    return { raw, stored, lastChange: null, error: errorText(err) };
  }
}

/** The merged Env that every route and the consumer read (readConfig(merged) gives the Config). */
export async function withSettings(raw: Env, options: { fresh?: boolean } = {}): Promise<Env> {
  if (states.has(raw)) return raw; // already merged
  const fresh = options.fresh ?? false;
  const snapshot = storedRows(raw, fresh);
  if (!fresh && lastMerge?.raw === raw && lastMerge.snapshot === snapshot) return lastMerge.merged;
  const state = await settingsFrom(raw, snapshot);
  const merged = mergeSettings(raw, state.stored);
  states.set(merged, state);
  if (!fresh && !state.error) lastMerge = { raw, snapshot, merged };
  return merged;
}

/** Whether wrangler's own vars or secrets set `name` (then the page cannot change it; sourceOf). */
export function setByWrangler(env: Env, name: SettingName): boolean {
  const raw = states.get(env)?.raw ?? env;
  return text(raw[name]) !== '';
}

/** What the merge was made of (for the setup page), when this Env came from withSettings. */
export function settingsState(env: Env): SettingsState | undefined {
  return states.get(env);
}
