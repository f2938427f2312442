// One row of the settings form per entry of the settings table (worker/settings/fields.ts): the
// field, where its value comes from (wrangler: locked / saved here / default), and its state. The
// inputs belong to the page's one settings form through form="settings", so the sections keep the
// seed's order and their own test buttons (forms cannot nest).
import type { ConfigProblem } from '../config.ts';
import { SETTINGS, type SettingField, type SettingSection } from '../settings/fields.ts';
import { sourceOf, type SettingsState } from '../settings/merge.ts';
import { tagsOnForm, type FormValues } from '../settings/form.ts';
import { problemText, type Lang, type Messages } from './i18n.ts';

export const SETTINGS_FORM = 'settings';

export interface SettingsView {
  lang: Lang;
  t: Messages;
  env: Record<string, unknown>;
  problems: ConfigProblem[];
  settings: SettingsState;
  /** After a refused save: what was posted, and what is wrong with it. */
  posted?: FormValues;
  formErrors?: ConfigProblem[];
}

function time(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function Source({ view, field }: { view: SettingsView; field: SettingField }) {
  const { t, settings } = view;
  const source = sourceOf(field, settings.raw, settings.stored);
  const text =
    source === 'wrangler'
      ? field.kind === 'secret'
        ? t.sourceWranglerSecret
        : t.sourceWrangler
      : source === 'stored'
        ? t.sourceStored(time(settings.stored.get(field.name)?.updatedAt ?? 0))
        : t.sourceDefault;
  return (
    <span class="src" data-source={source}>
      {text}
    </span>
  );
}

function State({ view, field }: { view: SettingsView; field: SettingField }) {
  const { t, lang } = view;
  const error = view.formErrors?.find((p) => p.name === field.name) ?? view.problems.find((p) => p.name === field.name);
  const value = String(view.env[field.name] ?? '').trim();
  if (error && error.problem === 'is not set') return <span class="badge bad">{t.missing}</span>;
  if (error)
    return (
      <>
        <span class="badge bad">{t.invalid}</span> <span class="warn">{problemText(lang, error.problem)}</span>
      </>
    );
  if (!value) return <span class="badge off">{field.kind === 'tags' ? t.off : t.empty}</span>;
  return <span class="badge ok">{`${t.set}, ${t.valid}`}</span>;
}

function Input({ view, field }: { view: SettingsView; field: SettingField }) {
  const { t, lang, settings } = view;
  const source = sourceOf(field, settings.raw, settings.stored);
  const locked = source === 'wrangler';
  const id = `f-${field.name}`;
  const posted = view.posted;
  const current = String(view.env[field.name] ?? '');
  const common = { form: SETTINGS_FORM, id, name: field.name, disabled: locked };
  switch (field.kind) {
    case 'secret': {
      const stored = settings.stored.get(field.name);
      const status = locked
        ? `•••••••• (${t.hidden})`
        : stored
          ? stored.value === null
            ? t.secretUnreadable
            : t.secretSet(stored.value.slice(-4))
          : t.missing;
      return (
        <>
          <code class="secret-state">{status}</code>
          {locked ? null : (
            <>
              <input {...common} type="password" autocomplete="off" placeholder={stored ? t.secretReplace : t.secretEnter} />
              <span class="opts">
                {stored ? (
                  <label>
                    <input form={SETTINGS_FORM} type="checkbox" name={`${field.name}.clear`} value="1" /> {t.secretClear}
                  </label>
                ) : null}
                {field.generate ? (
                  <label>
                    <input form={SETTINGS_FORM} type="checkbox" name={`${field.name}.generate`} value="1" /> {t.secretGenerate}
                  </label>
                ) : null}
              </span>
            </>
          )}
        </>
      );
    }
    case 'flag': {
      const on = posted ? Boolean(posted[field.name]) : current.toLowerCase() === 'true';
      return (
        <label>
          <input form={SETTINGS_FORM} type="hidden" name={`${field.name}.shown`} value="1" disabled={locked} />
          <input {...common} type="checkbox" value="true" checked={on} /> {t.tagsOn}
        </label>
      );
    }
    case 'tags': {
      const fallback = typeof field.fallback === 'string' ? field.fallback : '';
      const stored = settings.stored.get(field.name)?.value;
      const shown = posted
        ? { on: Boolean(posted[`${field.name}.on`]), tags: posted[field.name] ?? '' }
        : locked
          ? { on: current !== '', tags: current }
          : tagsOnForm(stored, fallback);
      return (
        <span class="tags">
          <input form={SETTINGS_FORM} type="hidden" name={`${field.name}.shown`} value="1" disabled={locked} />
          <label class="switch">
            <input form={SETTINGS_FORM} type="checkbox" name={`${field.name}.on`} id={`${id}-on`} value="1" checked={shown.on} disabled={locked} /> {t.tagsOn}
          </label>
          <input {...common} type="text" value={shown.tags} />
        </span>
      );
    }
    case 'choice': {
      const chosen = posted?.[field.name] ?? current;
      return (
        <select {...common}>
          {(field.choices ?? []).map((c) => (
            <option value={c.value} selected={c.value === chosen}>
              {c[lang]}
            </option>
          ))}
        </select>
      );
    }
    default:
      return <input {...common} type="text" value={posted?.[field.name] ?? current} placeholder={field.placeholder ?? ''} />;
  }
}

export function SettingRows({ view, section }: { view: SettingsView; section: SettingSection }) {
  const { t, lang } = view;
  return (
    <table class="settings">
      <thead>
        <tr>
          <th>{t.colValue}</th>
          <th>{t.colState}</th>
        </tr>
      </thead>
      <tbody>
        {SETTINGS.filter((f) => f.section === section).map((field) => (
          <tr data-name={field.name}>
            <td>
              <label class="field" for={`f-${field.name}`}>
                {field.label[lang]}
              </label>
              <Input view={view} field={field} />
              {field.hint ? <div class="muted small">{field.hint[lang]}</div> : null}
            </td>
            <td>
              <State view={view} field={field} />
              <br />
              <code class="small">{field.name}</code> · <Source view={view} field={field} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SaveButtons({ t, test }: { t: Messages; test?: boolean }) {
  return (
    <p class="buttons">
      <button form={SETTINGS_FORM} type="submit" name="action" value="save" class="secondary">
        {t.settingsSave}
      </button>
      {test ? (
        <>
          {' '}
          <button form={SETTINGS_FORM} id="save-and-test" type="submit" name="action" value="save-test">
            {t.settingsSaveTest}
          </button>
        </>
      ) : null}
    </p>
  );
}
