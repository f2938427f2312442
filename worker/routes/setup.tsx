// GET /setup: the merchant's setup page (HTTP Basic, any user, password ADMIN_PASSWORD), plus its two
// buttons POST /setup/test-connection and POST /setup/test-callbacks, which render the page again
// with the result. Server-rendered, no script, no external asset, strict CSP (style by nonce only).
import { Hono, type Context } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { csrf } from 'hono/csrf';
import { html } from 'hono/html';
import { languageDetector } from 'hono/language';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import type { Child } from 'hono/jsx';
import { readConfig, type Config } from '../config.ts';
import type { Env } from '../env.ts';
import { readCallbackActivity } from '../consent/activity.ts';
import { sha1Hex } from '../consent/callback-key.ts';
import { constantTimeEqual } from '../identity/hmac.ts';
import { authAttemptLimit } from '../identity/guards.ts';
import { testCallbacks, testConnection } from '../setup/checks.ts';
import { deliveryFigures } from '../setup/figures.ts';
import { messagesFor } from '../setup/i18n.ts';
import { Layout } from '../setup/layout.tsx';
import { LockedPage, SETUP_PATH, SetupPage, type SetupView } from '../setup/sections.tsx';

type SetupEnv = { Bindings: Env; Variables: { language: string; secureHeadersNonce?: string; config: Config } };
type C = Context<SetupEnv>;

function render(c: C, body: Child, status: 200 | 403 = 200) {
  const { lang, t } = messagesFor(c.get('language'));
  const other = lang === 'pl' ? 'en' : 'pl';
  const page = (
    <Layout lang={lang} t={t} nonce={c.get('secureHeadersNonce') ?? ''} switchHref={`${SETUP_PATH}?lang=${other}`}>
      {body}
    </Layout>
  );
  return c.html(html`<!doctype html>${page}`, status);
}

async function view(c: C, extra: Pick<SetupView, 'connection' | 'callbackTest'> = {}): Promise<SetupView> {
  const { lang, t } = messagesFor(c.get('language'));
  const config = c.get('config');
  const [figures, activity] = await Promise.all([
    deliveryFigures(c.env.LEDGER, Date.now()).catch((err: unknown) => ({
      error: err instanceof Error ? err.message : String(err),
    })),
    readCallbackActivity(c.env.CONSENTS),
  ]);
  return { lang, t, origin: publicOrigin(c), env: c.env, config, figures, activity, ...extra };
}

/** Where the callback URLs and the snippet point: WORKER_URL (configuration), not the request's Host
 *  header; the request's own address only while WORKER_URL is unset (issue 10 item 13). */
function publicOrigin(c: C): string {
  return c.get('config').workerUrl ?? new URL(c.req.url).origin;
}

function executionContext(c: C): ExecutionContext | undefined {
  try {
    return c.executionCtx as ExecutionContext;
  } catch {
    return undefined;
  }
}

export const setup = new Hono<SetupEnv>();

setup.use(
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: [NONCE],
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
    const config = readConfig(c.env);
    c.set('config', config);
    // No admin password (or too short a one): the page stays locked rather than open.
    if (!config.adminPassword) return render(c, <LockedPage t={messagesFor(c.get('language')).t} />, 403);
    await next();
  },
  authAttemptLimit,
  basicAuth({
    realm: 'sm-edge setup',
    // Any user name; the password compared as SHA-1 digests so that the comparison time does not
    // depend on the password's length.
    verifyUser: async (_user, password, c) => {
      const expected = (c as C).get('config').adminPassword ?? '';
      const [a, b] = await Promise.all([sha1Hex(password), sha1Hex(expected)]);
      return expected !== '' && constantTimeEqual(a, b);
    },
  }),
  csrf(),
);

setup.get('/', async (c) => render(c, <SetupPage view={await view(c)} />));

setup.post('/test-connection', async (c) => {
  const connection = await testConnection(c.get('config'));
  return render(c, <SetupPage view={await view(c, { connection })} />);
});

setup.post('/test-callbacks', async (c) => {
  const callbackTest = await testCallbacks(c.env, c.get('config'), publicOrigin(c), executionContext(c));
  return render(c, <SetupPage view={await view(c, { callbackTest })} />);
});

