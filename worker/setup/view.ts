// What the setup page's sections are drawn from: one value per request, built by setup/pages.tsx.
import type { Config } from '../config.ts';
import type { CallbackSeen } from '../consent/activity.ts';
import type { Env } from '../env.ts';
import type { FormValues } from '../settings/form.ts';
import type { SettingsState } from '../settings/merge.ts';
import type { CallbackTest, ConnectionTest } from './checks.ts';
import type { HourlyFigures } from './events.ts';
import type { DeliveryFigures } from './figures.ts';
import type { Lang, Messages } from './i18n.ts';
import type { CatalogView } from './catalog.tsx';
import type { D1Reader } from '../ledger/sessions.ts';

export interface SetupView {
  lang: Lang;
  t: Messages;
  origin: string;
  env: Env;
  /** The D1 session the page's reports read through (http/reads.ts); the primary when absent. */
  reads?: D1Reader;
  config: Config;
  connection?: ConnectionTest;
  callbackTest?: CallbackTest;
  figures: DeliveryFigures | { error: string };
  activity: { accepted: CallbackSeen | null; refused: CallbackSeen | null };
  settings: SettingsState;
  /** After a save: what changed, how many waiting events were sent, secrets generated (shown once). */
  saved?: { changed: string[]; released: number; generated: { name: string; value: string }[] };
  /** After a refused save: what was posted, and why it was refused. */
  posted?: FormValues;
  formErrors?: { name: string; problem: string }[];
  hourly?: HourlyFigures;
  /** The product catalog section (setup/catalog.tsx). */
  catalog?: CatalogView;
}
