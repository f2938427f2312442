// GET /setup: the merchant's setup page (HTTP Basic, any user, password ADMIN_PASSWORD), plus its two
// buttons POST /setup/test-connection and POST /setup/test-callbacks, which render the page again
// with the result. Server-rendered, no script, no external asset, strict CSP (style by nonce only).
import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { html } from 'hono/html';
import { languageDetector } from 'hono/language';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import type { Child } from 'hono/jsx';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { readCallbackActivity } from '../consent/activity.ts';
import { adminPassword } from '../http/admin-password.ts';
import { pageReads, type ReadsVariables } from '../http/reads.ts';
import { limitBody, MAX_SETTINGS_FORM_BYTES } from '../http/body-limits.ts';
import { testCallbacks, testConnection } from '../setup/checks.ts';
import { deliveryFigures } from '../setup/figures.ts';
import { messagesFor, problemText } from '../setup/i18n.ts';
import { fieldLabel } from '../setup/labels.tsx';
import { Layout } from '../setup/layout.tsx';
import { LockedPage, SETUP_PATH, SetupPage, type SetupView } from '../setup/sections.tsx';
import { saveSettings } from '../setup/save.ts';
import { listRefused } from '../ledger/refused-requests.ts';
import { listEvents } from '../ledger/reports.ts';
import { contactView, hourlyFigures, readFilter } from '../setup/events.ts';
import { ContactPage, EventsPage } from '../setup/events-pages.tsx';
import { ConsentTextsPage, ErasureList, PersonRights, ProofTimeline } from '../setup/privacy-pages.tsx';
import { listTexts, saveText } from '../consent/texts.ts';
import { consentRefusals } from '../consent/account-consents.ts';
import { withdrawOnSetup } from '../ingest/setup-consent.ts';
import { exportContact } from '../consent/access.ts';
import { readEmail } from '../consent/email.ts';
import { eraseContact } from '../consent/erasure.ts';
import { proofOf } from '../consent/proof.ts';
import { recentErasures } from '../ledger/erasure.ts';
import { loadSettings, setByWrangler, settingsState } from '../settings/merge.ts';
import { errorText } from '../log.ts';
import { createCatalog, listCatalogs, suggestedCurrency } from '../catalog/catalogs.ts';
import { catalogFigures } from '../ledger/catalog-products.ts';
import type { CatalogView } from '../setup/catalog.tsx';
import { inBackground } from '../http/background.ts';
import { reconcilable, reconcile } from '../platforms/reconcile.ts';

type SetupEnv = { Bindings: Env; Variables: { language: string; secureHeadersNonce?: string; config: Config } & ReadsVariables };
type C = Context<SetupEnv>;

function render(c: C, body: Child, status: 200 | 400 | 403 = 200) {
  const { lang, t } = messagesFor(c.get('language'));
  const other = lang === 'pl' ? 'en' : 'pl';
  // The switch stays on the same page (and keeps its filters).
  const here = new URL(c.req.url);
  here.searchParams.set('lang', other);
  const switchHref = c.req.method === 'GET' ? `${here.pathname}${here.search}` : `${SETUP_PATH}?lang=${other}`;
  const page = (
    <Layout lang={lang} t={t} nonce={c.get('secureHeadersNonce') ?? ''} switchHref={switchHref}>
      {body}
    </Layout>
  );
  return c.html(html`<!doctype html>${page}`, status);
}

type Extra = Partial<Pick<SetupView, 'connection' | 'callbackTest' | 'saved' | 'posted' | 'formErrors'>> & { catalogResult?: { ok: boolean; text: string } };

async function view(c: C, extra: Extra = {}): Promise<SetupView> {
  const { lang, t } = messagesFor(c.get('language'));
  const config = c.get('config');
  const [figures, activity, settings, hourly, catalog] = await Promise.all([
    deliveryFigures(c.var.reads, Date.now()).catch((err: unknown) => ({
      error: errorText(err),
    })),
    readCallbackActivity(c.env.CONSENTS),
    settingsState(c.env) ?? loadSettings(c.env),
    hourlyFigures(c.var.reads, Date.now()).catch(() => undefined),
    catalogView(c, extra.catalogResult),
  ]);
  const { catalogResult: _shown, ...rest } = extra;
  return {
    lang,
    t,
    origin: publicOrigin(c),
    env: c.env,
    reads: c.var.reads,
    config,
    figures,
    activity,
    settings,
    ...(hourly ? { hourly } : {}),
    catalog,
    ...rest,
  };
}

/** The catalog section: the account's catalogs (a live API v3 call, with its own short timeout) and the ledger's figures. */
async function catalogView(c: C, result?: { ok: boolean; text: string }): Promise<CatalogView> {
  const config = c.get('config');
  const [list, figures, currency] = await Promise.all([listCatalogs(config), catalogFigures(c.var.reads).catch(() => null), suggestedCurrency(c.var.reads)]);
  return { list, figures, currency, locked: setByWrangler(c.env, 'SALESMANAGO_CATALOG_ID'), ...(result ? { result } : {}) };
}

/** Where the callback URLs and the snippet point: WORKER_URL (configuration), not the request's Host
 *  header; the request's own address only while WORKER_URL is unset (issue 10 item 13). */
function publicOrigin(c: C): string {
  return c.get('config').workerUrl ?? new URL(c.req.url).origin;
}

export const setup = new Hono<SetupEnv>();

setup.use(
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: [NONCE],
      scriptSrc: [NONCE],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
  }),
  languageDetector({
    supportedLanguages: ['pl', 'en'],
    fallbackLanguage: 'en',
    order: ['querystring', 'header'],
    lookupQueryString: 'lang',
    caches: false,
    convertDetectedLanguage: (l) => l.slice(0, 2).toLowerCase(),
  }),
  async (c, next) => {
    // The page shows the callback URLs, which embed CALLBACK_SECRET: never cache it anywhere.
    c.header('Cache-Control', 'no-store');
    await next();
  },
  adminPassword<SetupEnv>({
    realm: 'sm-edge setup',
    // The browser shows this body when the password dialog is cancelled: in the page's language.
    invalidUserMessage: (c) => messagesFor(c.get('language')).t.unauthorized,
    // No admin password (or too short a one): the page stays locked rather than open.
    locked: (c) => render(c, <LockedPage t={messagesFor(c.get('language')).t} />, 403),
  }),
  csrf(),
  // The reports below read through one D1 session per request (http/reads.ts), off the writer.
  pageReads(SETUP_PATH),
);

setup.get('/', async (c) => render(c, <SetupPage view={await view(c)} />));

// Every event, newest first, filterable; the refused shop-API/platform requests; the hourly chart.
setup.get('/events', async (c) => {
  const { lang, t } = messagesFor(c.get('language'));
  const filter = readFilter(c.req.query());
  const [events, refused, hourly] = await Promise.all([listEvents(c.var.reads, filter), listRefused(c.var.reads), hourlyFigures(c.var.reads, Date.now())]);
  return render(c, <EventsPage t={t} lang={lang} filter={filter} events={events} refused={refused} hourly={hourly} />);
});

// One contact: consent, SALESmanago contact id, recent events.
setup.get('/contact', async (c) => {
  const { lang, t } = messagesFor(c.get('language'));
  const email = readFilter(c.req.query()).email ?? '';
  const found = email ? await contactView(c.var.reads, c.env.CONSENTS, email) : null;
  return render(c, <ContactPage t={t} lang={lang} email={email} view={found} privacy={await privacyPart(c, lang, email)} />);
});

// The contact view's privacy part: proof timeline, download, erasure button, recent erasures.
async function privacyPart(c: C, lang: 'pl' | 'en', email: string, extra: { erasedId?: string; needsConfirm?: boolean; withdrawn?: 'queued' | 'erased' } = {}) {
  const [proof, erasures] = await Promise.all([email ? proofOf(c.var.reads, email) : [], recentErasures(c.var.reads, 10)]);
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

async function postedEmail(c: C): Promise<string | null> {
  const form = await c.req.parseBody();
  const read = readEmail(typeof form.email === 'string' ? form.email : null);
  return read.ok ? read.email : null;
}

// Consent texts and their versions (issue 23 item 4).
setup.get('/consents', async (c) => {
  const { lang } = messagesFor(c.get('language'));
  return render(c, <ConsentTextsPage lang={lang} texts={await listTexts(c.var.reads)} refusals={await consentRefusals(c.env.LEDGER)} />);
});

setup.post('/consents', async (c) => {
  const { lang } = messagesFor(c.get('language'));
  const form = await c.req.parseBody();
  const posted = Object.fromEntries(Object.entries(form).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : []))) as Record<string, string>;
  const saved = await saveText(c.env.LEDGER, posted);
  const texts = await listTexts(c.var.reads);
  const refusals = await consentRefusals(c.env.LEDGER);
  if (!saved.ok) return render(c, <ConsentTextsPage lang={lang} texts={texts} outcome={{ error: saved.error }} posted={posted} refusals={refusals} />, 400);
  return render(c, <ConsentTextsPage lang={lang} texts={texts} outcome={{ added: saved.added }} refusals={refusals} />);
});

// Right of access: the whole document as a download (a POST: the e-mail stays out of the URL).
setup.post('/contact/export', async (c) => {
  const email = await postedEmail(c);
  if (!email) return c.text('email: not an e-mail address', 400);
  const doc = await exportContact(c.env.LEDGER, c.env.CONSENTS, email);
  c.header('Content-Disposition', 'attachment; filename="personal-data.json"');
  c.header('Cache-Control', 'no-store');
  return c.json(doc);
});

// A consent withdrawn on the person's behalf: a statement with source "setup" (ingest/setup-consent.ts).
setup.post('/contact/withdraw', async (c) => {
  const { lang, t } = messagesFor(c.get('language'));
  const form = await c.req.parseBody();
  const read = readEmail(typeof form.email === 'string' ? form.email : null);
  if (!read.ok || (form.consent !== 'newsletter' && form.consent !== 'sms')) return render(c, <ContactPage t={t} lang={lang} email="" view={null} />, 400);
  const withdrawn = await withdrawOnSetup(c.env, c.get('config').shopApiSecret, read.email, form.consent);
  const view = await contactView(c.env.LEDGER, c.env.CONSENTS, read.email);
  return render(c, <ContactPage t={t} lang={lang} email={read.email} view={view} privacy={await privacyPart(c, lang, read.email, { withdrawn })} />);
});

// Right to erasure, after the confirmation box is ticked.
setup.post('/contact/erase', async (c) => {
  const { lang, t } = messagesFor(c.get('language'));
  const form = await c.req.parseBody();
  const read = readEmail(typeof form.email === 'string' ? form.email : null);
  if (!read.ok) return render(c, <ContactPage t={t} lang={lang} email="" view={null} />, 400);
  const secret = c.get('config').shopApiSecret;
  if (form.confirm !== 'yes' || !secret) {
    const view = await contactView(c.var.reads, c.env.CONSENTS, read.email);
    return render(
      c,
      <ContactPage t={t} lang={lang} email={read.email} view={view} privacy={await privacyPart(c, lang, read.email, { needsConfirm: true })} />,
      400,
    );
  }
  const { id } = await eraseContact(c.env, secret, read.email, { source: 'setup' });
  return render(c, <ContactPage t={t} lang={lang} email="" view={null} privacy={await privacyPart(c, lang, '', { erasedId: id })} />);
});

// The buttons' POST targets, reloaded or reopened as a GET (a restored browser session, a bookmark of the
// page a save left in the address bar), lead back to the page instead of a 404.
for (const path of ['/settings', '/test-connection', '/test-callbacks', '/catalog/create', '/catalog/link', '/reconcile']) {
  setup.get(path, (c) => c.redirect(`/setup${new URL(c.req.url).search}`, 303));
}

setup.post('/test-connection', async (c) => {
  const connection = await testConnection(c.get('config'));
  return render(c, <SetupPage view={await view(c, { connection })} />);
});

// A 100 MB post is refused as it arrives instead of being parsed whole (http/body-limits.ts).
setup.use('/settings', limitBody(MAX_SETTINGS_FORM_BYTES, `the settings form is larger than ${MAX_SETTINGS_FORM_BYTES / 1024} KB`));

// The settings form: validated like readConfig, saved (secrets encrypted), recorded; "Save and test"
// runs the connection test on the saved values at once.
setup.post('/settings', async (c) => {
  const form = await c.req.parseBody();
  const values = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
  const outcome = await saveSettings(c.env, values);
  if (!outcome.ok) {
    return render(c, <SetupPage view={await view(c, { posted: values, formErrors: outcome.errors })} />, 400);
  }
  c.env = outcome.env;
  c.set('config', outcome.config);
  // Saving any of the four SALESmanago values tests them at once, as "Save and test" does.
  const credentials = /^SALESMANAGO_(ENDPOINT|CLIENT_ID|API_SECRET|OWNER)$/;
  const test = values.action === 'save-test' || outcome.saved.changed.some((n) => credentials.test(n));
  const connection = test ? await testConnection(outcome.config) : undefined;
  return render(c, <SetupPage view={await view(c, { saved: outcome.saved, ...(connection ? { connection } : {}) })} />);
});

// The product catalog: create one (with the shop's currency and the events' location), link one.
setup.post('/catalog/create', async (c) => {
  const form = await c.req.parseBody();
  const created = await createCatalog(c.get('config'), { name: String(form.name ?? ''), currency: String(form.currency ?? '') });
  if (!created.ok) return render(c, <SetupPage view={await view(c, { catalogResult: { ok: false, text: created.error } })} />, 400);
  return linkCatalog(c, created.catalogId);
});

setup.post('/catalog/link', async (c) => {
  const form = await c.req.parseBody();
  return linkCatalog(c, String(form.catalogId ?? ''));
});

async function linkCatalog(c: C, catalogId: string) {
  const { lang } = messagesFor(c.get('language'));
  const outcome = await saveSettings(c.env, { SALESMANAGO_CATALOG_ID: catalogId });
  if (!outcome.ok) {
    const text = outcome.errors.map((e) => `${fieldLabel(lang, e.name)}: ${problemText(lang, e.problem)}`).join('; ');
    return render(c, <SetupPage view={await view(c, { catalogResult: { ok: false, text } })} />, 400);
  }
  c.env = outcome.env;
  c.set('config', outcome.config);
  const linked = outcome.config.catalog.catalogId === catalogId;
  return render(
    c,
    <SetupPage
      view={
        await view(c, {
          saved: outcome.saved,
          catalogResult: { ok: linked, text: linked ? `${fieldLabel(lang, 'SALESMANAGO_CATALOG_ID')}: ${catalogId}` : messagesFor(lang).t.catalogLocked },
        })
      }
    />,
  );
}

// The reconciliation button (platforms/reconcile.ts): the pull runs after the answer (waitUntil), and the
// page, reloaded, shows it running and then its figures.
setup.post('/reconcile', async (c) => {
  const platform = reconcilable(c.get('config'), c.req.query('platform'));
  await inBackground(c, reconcile(c.env, c.get('config'), platform));
  return c.redirect(`${SETUP_PATH}?lang=${c.get('language')}#platform-${platform}`, 303);
});

setup.post('/test-callbacks', async (c) => {
  const callbackTest = await testCallbacks(c.env, c.get('config'), publicOrigin(c));
  return render(c, <SetupPage view={await view(c, { callbackTest })} />);
});
