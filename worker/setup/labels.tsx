// A setting named the merchant's way: its label in the page's language (worker/settings/fields.ts),
// with the variable name in small print for whoever reads wrangler.toml. Messages and the "last
// changed" line use it instead of the bare variable name (issue 26 item 2).
import { settingField } from '../settings/fields.ts';
import type { Lang } from './i18n.ts';

/** The label of a setting in `lang`; the name itself for a value the form does not show. */
export function fieldLabel(lang: Lang, name: string): string {
  return settingField(name)?.label[lang] ?? name;
}

/** The labels of several settings, as one line of text; past `max` of them, how many more. */
export function fieldLabels(lang: Lang, names: readonly string[], max = Infinity): string {
  const shown = names.length > max ? names.slice(0, max - 1) : names;
  const rest = names.length - shown.length;
  const more = rest > 0 ? (lang === 'pl' ? ` i ${rest} innych` : ` and ${rest} more`) : '';
  return shown.map((n) => fieldLabel(lang, n)).join(', ') + more;
}

/** Label, then the variable name in small print (only the name when there is no label). */
export function FieldName({ lang, name }: { lang: Lang; name: string }) {
  const label = fieldLabel(lang, name);
  if (label === name) return <code>{name}</code>;
  return (
    <>
      <b>{label}</b> <code class="small env">{name}</code>
    </>
  );
}
