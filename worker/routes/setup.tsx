// GET /setup: the merchant's setup page (HTTP Basic, any user, password ADMIN_PASSWORD), plus its
// buttons (test connection, test callbacks, settings, catalog, reconciliation) and the events, contact and
// consent-text pages. Server-rendered, no script, no external asset, strict CSP (style by nonce only).
// Each handler reads the request and calls one function of setup/pages.tsx (or setup/actions.ts).
import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { languageDetector } from 'hono/language';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { adminPassword } from '../http/admin-password.ts';
import { pageReads, type ReadsVariables } from '../http/reads.ts';
import { limitBody, MAX_SETTINGS_FORM_BYTES } from '../http/body-limits.ts';
import { inBackground } from '../http/background.ts';
import { messagesFor } from '../setup/i18n.ts';
import { SETUP_PATH } from '../setup/sections.tsx';
import {
  consentsPage,
  contactPage,
  createCatalogPage,
  erasePage,
  eventsPage,
  linkCatalogPage,
  lockedPage,
  saveConsentTextPage,
  saveSettingsPage,
  setupPage,
  testCallbacksPage,
  testConnectionPage,
  withdrawPage,
  type Page,
  type PageRequest,
} from '../setup/pages.tsx';
import { contactExport, startReconcile } from '../setup/actions.ts';

type SetupEnv = { Bindings: Env; Variables: { language: string; secureHeadersNonce?: string; config: Config } & ReadsVariables };
type C = Context<SetupEnv>;

/** What the pages take from the request. */
function pageRequest(c: C): PageRequest {
  return {
    env: c.env,
    config: c.get('config'),
    reads: c.var.reads,
    ledgers: c.var.ledgerReads,
    language: c.get('language'),
    nonce: c.get('secureHeadersNonce') ?? '',
    url: c.req.url,
    method: c.req.method,
  };
}

function answer(c: C, page: Page) {
  return c.html(page.html, page.status);
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
    locked: (c) => answer(c, lockedPage(pageRequest(c))),
  }),
  csrf(),
  // The reports below read through one D1 session per request (http/reads.ts), off the writer.
  pageReads(SETUP_PATH),
);

setup.get('/', async (c) => answer(c, await setupPage(pageRequest(c))));

// Every event, newest first, filterable; the refused shop-API/platform requests; the hourly chart.
setup.get('/events', async (c) => answer(c, await eventsPage(pageRequest(c), c.req.query())));

// One contact: consent, SALESmanago contact id, recent events, and its privacy part.
setup.get('/contact', async (c) => answer(c, await contactPage(pageRequest(c), c.req.query())));

// Consent texts and their versions (issue 23 item 4).
setup.get('/consents', async (c) => answer(c, await consentsPage(pageRequest(c))));

setup.post('/consents', async (c) => answer(c, await saveConsentTextPage(pageRequest(c), await c.req.parseBody())));

// Right of access: the whole document as a download (a POST: the e-mail stays out of the URL).
setup.post('/contact/export', async (c) => {
  const doc = await contactExport(c.env, c.get('config'), await c.req.parseBody());
  if (!doc) return c.text('email: not an e-mail address', 400);
  c.header('Content-Disposition', 'attachment; filename="personal-data.json"');
  c.header('Cache-Control', 'no-store');
  return c.json(doc);
});

// A consent withdrawn on the person's behalf: a statement with source "setup" (ingest/setup-consent.ts).
setup.post('/contact/withdraw', async (c) => answer(c, await withdrawPage(pageRequest(c), await c.req.parseBody())));

// Right to erasure, after the confirmation box is ticked.
setup.post('/contact/erase', async (c) => answer(c, await erasePage(pageRequest(c), await c.req.parseBody())));

// The buttons' POST targets, reloaded or reopened as a GET (a restored browser session, a bookmark of the
// page a save left in the address bar), lead back to the page instead of a 404.
for (const path of ['/settings', '/test-connection', '/test-callbacks', '/catalog/create', '/catalog/link', '/reconcile']) {
  setup.get(path, (c) => c.redirect(`/setup${new URL(c.req.url).search}`, 303));
}

setup.post('/test-connection', async (c) => answer(c, await testConnectionPage(pageRequest(c))));

// A 100 MB post is refused as it arrives instead of being parsed whole (http/body-limits.ts).
setup.use('/settings', limitBody(MAX_SETTINGS_FORM_BYTES, `the settings form is larger than ${MAX_SETTINGS_FORM_BYTES / 1024} KB`));

// The settings form: validated like readConfig, saved (secrets encrypted), recorded; "Save and test"
// runs the connection test on the saved values at once.
setup.post('/settings', async (c) => answer(c, await saveSettingsPage(pageRequest(c), await c.req.parseBody())));

// The product catalog: create one (with the shop's currency and the events' location), link one.
setup.post('/catalog/create', async (c) => answer(c, await createCatalogPage(pageRequest(c), await c.req.parseBody())));

setup.post('/catalog/link', async (c) => {
  const form = await c.req.parseBody();
  return answer(c, await linkCatalogPage(pageRequest(c), String(form.catalogId ?? '')));
});

// The reconciliation button (platforms/reconcile.ts): the pull runs after the answer (waitUntil), and the
// page, reloaded, shows it running and then its figures.
setup.post('/reconcile', async (c) => {
  const { platform, run } = startReconcile(c.env, c.get('config'), c.req.query('platform'));
  await inBackground(c, run);
  return c.redirect(`${SETUP_PATH}?lang=${c.get('language')}#platform-${platform}`, 303);
});

setup.post('/test-callbacks', async (c) => answer(c, await testCallbacksPage(pageRequest(c))));
