// The /setup pages, one function each: the readers a page is composed from, its component and the layout
// around it. routes/setup.tsx reads the request into a PageRequest, calls one of these and answers with
// the page (ARCHITECTURE.md, "The rules": routes are thin).
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { readCallbackActivity } from '../consent/activity.ts';
import { consentRefusals } from '../consent/account-consents.ts';
import { readEmail } from '../consent/email.ts';
import { eraseContact } from '../consent/erasure.ts';
import { proofOf } from '../consent/proof.ts';
import { listTexts, saveText } from '../consent/texts.ts';
import { createCatalog, listCatalogs, suggestedCurrency } from '../catalog/catalogs.ts';
import { withdrawOnSetup } from '../ingest/setup-consent.ts';
import { catalogFigures } from '../ledger/catalog-products.ts';
import { recentErasures } from '../ledger/erasure.ts';
import { listRefused } from '../ledger/refused-requests.ts';
import { ledgerDatabases } from '../ledger/databases.ts';
import type { D1Reader } from '../ledger/sessions.ts';
import { errorText } from '../log.ts';
import { loadSettings, setByWrangler, settingsState } from '../settings/merge.ts';
import type { CatalogView } from './catalog.tsx';
import { testCallbacks, testConnection } from './checks.ts';
import { contactView, eventsOf, hourlyFigures, readFilter } from './events.ts';
import { ContactPage, EventsPage } from './events-pages.tsx';
import { deliveryFigures } from './figures.ts';
import { messagesFor, problemText, type Lang } from './i18n.ts';
import { fieldLabel } from './labels.tsx';
import { Layout } from './layout.tsx';
import { ConsentTextsPage, ErasureList, PersonRights, ProofTimeline } from './privacy-pages.tsx';
import { saveSettings } from './save.ts';
import { LockedPage, SETUP_PATH, SetupPage, type SetupView } from './sections.tsx';

/** What a page takes from its request (routes/setup.tsx reads it off the context). */
export interface PageRequest {
  env: Env;
  config: Config;
  /** The D1 session of the page's reports (http/reads.ts): LEDGER's. */
  reads: D1Reader;
  /** A session on every ledger database, LEDGER's (`reads`) first (http/reads.ts), for the contacts' rows. */
  ledgers: readonly D1Reader[];
  /** The detected language (hono's languageDetector). */
  language: string;
  /** The CSP nonce of the page's style and script. */
  nonce: string;
  url: string;
  method: string;
}

/** A page to answer with: the whole document and its status. */
export interface Page {
  html: HtmlEscapedString | Promise<HtmlEscapedString>;
  status: 200 | 400 | 403;
}

/** A posted form, as hono's parseBody gives it. */
type Form = Record<string, unknown>;

function page(req: PageRequest, body: Child, status: Page['status'] = 200): Page {
  const { lang, t } = messagesFor(req.language);
  const other = lang === 'pl' ? 'en' : 'pl';
  // The switch stays on the same page (and keeps its filters).
  const here = new URL(req.url);
  here.searchParams.set('lang', other);
  const switchHref = req.method === 'GET' ? `${here.pathname}${here.search}` : `${SETUP_PATH}?lang=${other}`;
  const document = (
    <Layout lang={lang} t={t} nonce={req.nonce} switchHref={switchHref}>
      {body}
    </Layout>
  );
  return { html: html`<!doctype html>${document}`, status };
}

/** No admin password (or too short a one): the page stays locked rather than open. */
export function lockedPage(req: PageRequest): Page {
  return page(req, <LockedPage t={messagesFor(req.language).t} />, 403);
}

type Extra = Partial<Pick<SetupView, 'connection' | 'callbackTest' | 'saved' | 'posted' | 'formErrors'>> & { catalogResult?: { ok: boolean; text: string } };

/** GET /setup, and the page every button of it answers with. */
export async function setupPage(req: PageRequest, extra: Extra = {}, status: Page['status'] = 200): Promise<Page> {
  return page(req, <SetupPage view={await setupView(req, extra)} />, status);
}

async function setupView(req: PageRequest, extra: Extra): Promise<SetupView> {
  const { lang, t } = messagesFor(req.language);
  const [figures, activity, settings, hourly, catalog] = await Promise.all([
    deliveryFigures(req.ledgers, Date.now()).catch((err: unknown) => ({
      error: errorText(err),
    })),
    readCallbackActivity(req.env.CONSENTS),
    settingsState(req.env) ?? loadSettings(req.env),
    hourlyFigures(req.ledgers, Date.now()).catch(() => undefined),
    catalogView(req, extra.catalogResult),
  ]);
  const { catalogResult: _shown, ...rest } = extra;
  return {
    lang,
    t,
    origin: publicOrigin(req),
    env: req.env,
    reads: req.reads,
    config: req.config,
    figures,
    activity,
    settings,
    ...(hourly ? { hourly } : {}),
    catalog,
    ...rest,
  };
}

/** The catalog section: the account's catalogs (a live API v3 call, with its own short timeout) and the ledger's figures. */
async function catalogView(req: PageRequest, result?: { ok: boolean; text: string }): Promise<CatalogView> {
  const [list, figures, currency] = await Promise.all([listCatalogs(req.config), catalogFigures(req.reads).catch(() => null), suggestedCurrency(req.reads)]);
  return { list, figures, currency, locked: setByWrangler(req.env, 'SALESMANAGO_CATALOG_ID'), ...(result ? { result } : {}) };
}

/** Where the callback URLs and the snippet point: WORKER_URL (configuration), not the request's Host
 *  header; the request's own address only while WORKER_URL is unset (issue 10 item 13). */
function publicOrigin(req: PageRequest): string {
  return req.config.workerUrl ?? new URL(req.url).origin;
}

/** POST /setup/test-connection. */
export async function testConnectionPage(req: PageRequest): Promise<Page> {
  const connection = await testConnection(req.config);
  return setupPage(req, { connection });
}

/** POST /setup/test-callbacks. */
export async function testCallbacksPage(req: PageRequest): Promise<Page> {
  const callbackTest = await testCallbacks(req.env, req.config, publicOrigin(req));
  return setupPage(req, { callbackTest });
}

/** POST /setup/settings: validated like readConfig, saved (secrets encrypted), recorded; "Save and test"
 *  runs the connection test on the saved values at once. The page is drawn from the saved values. */
export async function saveSettingsPage(req: PageRequest, form: Form): Promise<Page> {
  const values = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
  const outcome = await saveSettings(req.env, values);
  if (!outcome.ok) return setupPage(req, { posted: values, formErrors: outcome.errors }, 400);
  const saved = { ...req, env: outcome.env, config: outcome.config };
  // Saving any of the four SALESmanago values tests them at once, as "Save and test" does.
  const credentials = /^SALESMANAGO_(ENDPOINT|CLIENT_ID|API_SECRET|OWNER)$/;
  const test = values.action === 'save-test' || outcome.saved.changed.some((n) => credentials.test(n));
  const connection = test ? await testConnection(outcome.config) : undefined;
  return setupPage(saved, { saved: outcome.saved, ...(connection ? { connection } : {}) });
}

/** POST /setup/catalog/create: a catalog with the shop's currency and the events' location, then linked. */
export async function createCatalogPage(req: PageRequest, form: Form): Promise<Page> {
  const created = await createCatalog(req.config, { name: String(form.name ?? ''), currency: String(form.currency ?? '') });
  if (!created.ok) return setupPage(req, { catalogResult: { ok: false, text: created.error } }, 400);
  return linkCatalogPage(req, created.catalogId);
}

/** POST /setup/catalog/link (and the end of a create): SALESMANAGO_CATALOG_ID saved as a setting. */
export async function linkCatalogPage(req: PageRequest, catalogId: string): Promise<Page> {
  const { lang } = messagesFor(req.language);
  const outcome = await saveSettings(req.env, { SALESMANAGO_CATALOG_ID: catalogId });
  if (!outcome.ok) {
    const text = outcome.errors.map((e) => `${fieldLabel(lang, e.name)}: ${problemText(lang, e.problem)}`).join('; ');
    return setupPage(req, { catalogResult: { ok: false, text } }, 400);
  }
  const linked = outcome.config.catalog.catalogId === catalogId;
  return setupPage(
    { ...req, env: outcome.env, config: outcome.config },
    {
      saved: outcome.saved,
      catalogResult: { ok: linked, text: linked ? `${fieldLabel(lang, 'SALESMANAGO_CATALOG_ID')}: ${catalogId}` : messagesFor(lang).t.catalogLocked },
    },
  );
}

/** GET /setup/events: every event, newest first, filterable; the refused shop-API/platform requests; the hourly chart. */
export async function eventsPage(req: PageRequest, query: Record<string, string | undefined>): Promise<Page> {
  const { lang, t } = messagesFor(req.language);
  const filter = readFilter(query);
  const [events, refused, hourly] = await Promise.all([eventsOf(req.ledgers, filter), listRefused(req.reads), hourlyFigures(req.ledgers, Date.now())]);
  return page(req, <EventsPage t={t} lang={lang} filter={filter} events={events} refused={refused} hourly={hourly} />);
}

/** GET /setup/contact: one contact's consent, SALESmanago contact id, recent events. */
export async function contactPage(req: PageRequest, query: Record<string, string | undefined>): Promise<Page> {
  const { lang, t } = messagesFor(req.language);
  const email = readFilter(query).email ?? '';
  const found = email ? await contactView(req.ledgers, req.env.CONSENTS, email) : null;
  return page(req, <ContactPage t={t} lang={lang} email={email} view={found} privacy={await privacyPart(req, lang, email)} />);
}

// The contact view's privacy part: proof timeline, download, erasure button, recent erasures.
async function privacyPart(
  req: PageRequest,
  lang: Lang,
  email: string,
  extra: { erasedId?: string; needsConfirm?: boolean; withdrawn?: 'queued' | 'erased' } = {},
) {
  const [proof, erasures] = await Promise.all([email ? proofOf(req.reads, email) : [], recentErasures(req.reads, 10)]);
  return (
    <>
      {email && !extra.erasedId ? <ProofTimeline lang={lang} items={proof} /> : null}
      {email && !extra.erasedId ? (
        <PersonRights lang={lang} email={email} needsConfirm={extra.needsConfirm ?? false} {...(extra.withdrawn ? { withdrawn: extra.withdrawn } : {})} />
      ) : null}
      {extra.erasedId ? <PersonRights lang={lang} email="" erasedId={extra.erasedId} /> : null}
      <ErasureList lang={lang} erasures={erasures} />
    </>
  );
}

/** POST /setup/contact/withdraw: a consent withdrawn on the person's behalf, a statement with source
 *  "setup" (ingest/setup-consent.ts), then the contact view. */
export async function withdrawPage(req: PageRequest, form: Form): Promise<Page> {
  const { lang, t } = messagesFor(req.language);
  const read = readEmail(typeof form.email === 'string' ? form.email : null);
  if (!read.ok || (form.consent !== 'newsletter' && form.consent !== 'sms')) return page(req, <ContactPage t={t} lang={lang} email="" view={null} />, 400);
  const withdrawn = await withdrawOnSetup(req.env, req.config.shopApiSecret, read.email, form.consent, req.config.ledgerDatabases);
  // The writers, not the sessions: the withdrawal just written shows.
  const view = await contactView(ledgerDatabases(req.env, req.config.ledgerDatabases), req.env.CONSENTS, read.email);
  return page(req, <ContactPage t={t} lang={lang} email={read.email} view={view} privacy={await privacyPart(req, lang, read.email, { withdrawn })} />);
}

/** POST /setup/contact/erase: the right to erasure, after the confirmation box is ticked. */
export async function erasePage(req: PageRequest, form: Form): Promise<Page> {
  const { lang, t } = messagesFor(req.language);
  const read = readEmail(typeof form.email === 'string' ? form.email : null);
  if (!read.ok) return page(req, <ContactPage t={t} lang={lang} email="" view={null} />, 400);
  const secret = req.config.shopApiSecret;
  if (form.confirm !== 'yes' || !secret) {
    const view = await contactView(req.ledgers, req.env.CONSENTS, read.email);
    return page(
      req,
      <ContactPage t={t} lang={lang} email={read.email} view={view} privacy={await privacyPart(req, lang, read.email, { needsConfirm: true })} />,
      400,
    );
  }
  const { id } = await eraseContact(req.env, secret, read.email, { source: 'setup', ledgers: req.config.ledgerDatabases });
  return page(req, <ContactPage t={t} lang={lang} email="" view={null} privacy={await privacyPart(req, lang, '', { erasedId: id })} />);
}

/** GET /setup/consents: the consent texts and their versions (issue 23 item 4). */
export async function consentsPage(req: PageRequest): Promise<Page> {
  const { lang } = messagesFor(req.language);
  return page(req, <ConsentTextsPage lang={lang} texts={await listTexts(req.reads)} refusals={await consentRefusals(req.env.LEDGER)} />);
}

/** POST /setup/consents: a consent text (or a new version of one) saved, then the list. */
export async function saveConsentTextPage(req: PageRequest, form: Form): Promise<Page> {
  const { lang } = messagesFor(req.language);
  const posted = Object.fromEntries(Object.entries(form).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : []))) as Record<string, string>;
  const saved = await saveText(req.env.LEDGER, posted);
  const texts = await listTexts(req.reads);
  const refusals = await consentRefusals(req.env.LEDGER);
  if (!saved.ok) return page(req, <ConsentTextsPage lang={lang} texts={texts} outcome={{ error: saved.error }} posted={posted} refusals={refusals} />, 400);
  return page(req, <ConsentTextsPage lang={lang} texts={texts} outcome={{ added: saved.added }} refusals={refusals} />);
}
