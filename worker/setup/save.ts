// A save of the setup page's settings form: validate, encrypt the secrets, store, record, and send
// the events that waited for a SALESmanago configuration. Returns the merged configuration after
// the save, so the page (and "Save and test") show what now applies.
import { readConfig, type Config, type ConfigProblem } from '../config.ts';
import type { Env } from '../env.ts';
import { seal } from '../settings/crypto.ts';
import { applySettingsForm, type FormValues } from '../settings/form.ts';
import { forgetStoredSettings, loadSettings, settingsState, withSettings } from '../settings/merge.ts';
import { releaseWaitingEvents } from '../settings/release.ts';
import { writeSettings } from '../ledger/settings.ts';
import { writeSnapshot } from '../settings/store.ts';
import { logError } from '../log.ts';

export type SaveOutcome =
  | { ok: false; errors: ConfigProblem[] }
  | {
      ok: true;
      env: Env;
      config: Config;
      saved: { changed: string[]; released: number; generated: { name: string; value: string }[] };
    };

export async function saveSettings(env: Env, form: FormValues, now = Date.now()): Promise<SaveOutcome> {
  const state = settingsState(env) ?? (await loadSettings(env, { fresh: true }));
  if (state.error) return { ok: false, errors: [{ name: 'settings', problem: state.error }] };
  const raw = state.raw;
  const result = applySettingsForm(readConfig, raw, state.stored, form);
  if (result.errors.length > 0) return { ok: false, errors: result.errors };
  const rows = await Promise.all(
    result.changes.map(async ({ field, value }) => ({
      name: field.name,
      value: value !== null && field.kind === 'secret' ? await seal(raw, field.name, value) : value,
    })),
  );
  await writeSettings(raw.LEDGER, rows, now);
  // D1 holds the save; should the KV copy fail, the request routes keep the previous values until the
  // next save, which the page cannot hide: log it (the save itself stands).
  await writeSnapshot(raw.LEDGER, raw.CONSENTS).catch((err: unknown) => logError('settings snapshot to KV failed', {}, err));
  forgetStoredSettings();
  const merged = await withSettings(raw, { fresh: true });
  const config = readConfig(merged);
  let released = 0;
  if (config.salesmanago) {
    released = await releaseWaitingEvents(merged, config.ledgerDatabases).catch((err: unknown) => {
      logError('could not send the waiting events', {}, err);
      return 0;
    });
  }
  return {
    ok: true,
    env: merged,
    config,
    saved: { changed: rows.map((r) => r.name), released, generated: result.generated },
  };
}
