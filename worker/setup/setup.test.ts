import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;
const ORIGIN = 'http://sm-edge.test';
const PASSWORD = env.ADMIN_PASSWORD!;

function basic(password: string, user = 'merchant'): string {
  return `Basic ${btoa(`${user}:${password}`)}`;
}

async function page(path: string, options: { method?: string; auth?: string | null; lang?: string; bindings?: Env; origin?: string | null } = {}) {
  const headers: Record<string, string> = {};
  const auth = options.auth === undefined ? basic(PASSWORD) : options.auth;
  if (auth) headers.Authorization = auth;
  if (options.lang) headers['Accept-Language'] = options.lang;
  if (options.method === 'POST') {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    if (options.origin !== null) headers.Origin = options.origin ?? ORIGIN;
  }
  const ctx = createExecutionContext();
  const res = await app.request(
    `${ORIGIN}${path}`,
    { method: options.method ?? 'GET', headers, ...(options.method === 'POST' ? { body: '' } : {}) },
    options.bindings ?? env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** The data-ok attribute of the element with this id. */
function dataOk(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}"[^>]*data-ok="(true|false)"`).exec(html)?.[1];
}

describe('/setup authentication', () => {
  it('asks for HTTP Basic credentials without them, and refuses a wrong password', async () => {
    const none = await page('/setup', { auth: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('WWW-Authenticate')).toMatch(/^Basic /);
    expect((await page('/setup', { auth: basic('wrong-password') })).status).toBe(401);
    expect((await page('/setup', { auth: basic(`${PASSWORD}x`) })).status).toBe(401);
    expect((await page('/setup/test-callbacks', { method: 'POST', auth: null })).status).toBe(401);
  });

  it("answers the 401 in the page's language", async () => {
    const pl = await page('/setup', { auth: null, lang: 'pl-PL,pl;q=0.9' });
    expect(pl.status).toBe(401);
    expect(pl.html).toBe('Wymagane logowanie: dowolna nazwa użytkownika i hasło administratora (ADMIN_PASSWORD).');
    expect((await page('/setup/events?lang=pl', { auth: basic('wrong-password') })).html).toMatch(/^Wymagane logowanie/);
    expect((await page('/setup?lang=en', { auth: null })).html).toMatch(/^Sign-in required/);
  });

  it('accepts the password with any user name', async () => {
    for (const user of ['admin', 'anyone', '']) expect((await page('/setup', { auth: basic(PASSWORD, user) })).status).toBe(200);
  });

  it('stays locked, with an explanation and never a 5xx, while ADMIN_PASSWORD is unset or too short', async () => {
    for (const password of [undefined, '', 'short']) {
      const bindings = { ...env, ADMIN_PASSWORD: password } as Env;
      const en = await page('/setup?lang=en', { bindings, auth: basic(password ?? '') });
      expect(en.status).toBe(403);
      expect(en.html).toContain('The setup page is locked');
      expect(en.html).toContain('wrangler secret put ADMIN_PASSWORD');
      const pl = await page('/setup', { bindings, auth: null, lang: 'pl-PL,pl;q=0.9' });
      expect(pl.status).toBe(403);
      expect(pl.html).toContain('Strona konfiguracji jest zablokowana');
    }
  });

  it('refuses a cross-site form post (CSRF)', async () => {
    const res = await page('/setup/test-callbacks', { method: 'POST', origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const noOrigin = await page('/setup/test-connection', { method: 'POST', origin: null });
    expect(noOrigin.status).toBe(403);
  });
});

describe('/setup page', () => {
  const sections = ['connection', 'callback-urls', 'test-callbacks-section', 'tags', 'snippet', 'delivery'];

  it.each([
    [
      'pl',
      { lang: 'pl-PL,pl;q=0.9,en;q=0.5' },
      [
        'Połączenie z SALESmanago',
        'Adresy callback',
        'Testuj adresy callback',
        'Test adresów callback',
        'Tagi zdarzeń',
        'Kod do szablonu',
        'Dostarczanie do SALESmanago',
        'Zapis do newslettera',
      ],
    ],
    [
      'en',
      { lang: 'en-US,en;q=0.9' },
      [
        'SALESmanago connection',
        'callback URLs',
        'Test callback URL',
        'Event tags',
        'Snippet for the shop theme',
        'Delivery to SALESmanago',
        'Newsletter signup',
      ],
    ],
  ] as const)('has every section in %s', async (lang, options, words) => {
    const res = await page('/setup', options);
    expect(res.status).toBe(200);
    expect(res.html).toMatch(new RegExp(`^<!doctype html><html lang="${lang}">`));
    for (const id of sections) expect(res.html).toContain(`id="${id}"`);
    for (const word of words) expect(res.html).toContain(word);
    expect(res.html).toContain('id="test-connection"');
    expect(res.html).toContain('id="test-callbacks"');
  });

  it("a button's address opened as a GET (reload, restored session) leads back to the page, not a 404", async () => {
    for (const path of ['/setup/settings?lang=pl', '/setup/test-connection', '/setup/test-callbacks?lang=en']) {
      const res = await page(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe(path.replace(/^\/setup\/[a-z-]+/, '/setup'));
    }
    expect((await page('/setup/settings', { auth: null })).status).toBe(401); // still behind the password
  });

  it('switches language with ?lang= whatever the browser says', async () => {
    const res = await page('/setup?lang=pl', { lang: 'en' });
    expect(res.html).toContain('<html lang="pl">');
    expect(res.html).toContain('href="/setup?lang=en"');
    expect((await page('/setup?lang=en', { lang: 'pl' })).html).toContain('<html lang="en">');
  });

  it('shows the four SALESmanago values as valid, never the API secret or the admin password', async () => {
    const res = await page('/setup?lang=en');
    for (const name of ['SALESMANAGO_ENDPOINT', 'SALESMANAGO_CLIENT_ID', 'SALESMANAGO_API_SECRET', 'SALESMANAGO_OWNER']) {
      expect(res.html).toMatch(new RegExp(`data-name="${name}".*?set, valid`, 's'));
    }
    expect(res.html).toContain(env.SALESMANAGO_CLIENT_ID!);
    expect(res.html).toContain(env.SALESMANAGO_OWNER!);
    expect(res.html).not.toContain(env.SALESMANAGO_API_SECRET!);
    expect(res.html).not.toContain(PASSWORD);
    expect(res.html).toContain('id="overall" class="banner ok"');
  });

  it('names a missing or invalid value', async () => {
    const bindings = { ...env, SALESMANAGO_OWNER: 'not-an-email', SALESMANAGO_API_SECRET: '' } as Env;
    const res = await page('/setup?lang=en', { bindings });
    expect(res.html).toMatch(/data-name="SALESMANAGO_OWNER".*?invalid.*?must be an e-mail address/s);
    expect(res.html).toMatch(/data-name="SALESMANAGO_API_SECRET".*?missing/s);
    expect(res.html).toContain('class="banner bad"');
  });

  it('shows both callback URLs ready to paste, the tags, the snippet and the domains', async () => {
    const res = await page('/setup?lang=en');
    const secret = env.CALLBACK_SECRET!;
    expect(res.html).toContain(`${ORIGIN}/callbacks/opt-in?email=$email$&amp;key=sha1($email$${secret})`);
    expect(res.html).toContain(`${ORIGIN}/callbacks/opt-out?email=$email$&amp;key=sha1($email$${secret})`);
    expect(res.html).toMatch(/data-name="TAGS_NEWSLETTER".*?name="TAGS_NEWSLETTER"[^>]*value="NEWSLETTER"/s);
    expect(res.html).toContain(`src=&quot;${ORIGIN}/s.js&quot;`);
    expect(res.html).toMatch(/id="domains".*?<code>localhost<\/code>/s);
    // The variants, each with its sentence, in both languages.
    expect(res.html).toMatch(
      /id="snippet-variants".*?<code>s\.js<\/code>: the default.*?<code>s\.full\.js<\/code>: .*?Product JSON-LD.*?<code>data-sm-monitoring<\/code>: .*?sm\.js/s,
    );
    expect((await page('/setup?lang=pl')).html).toMatch(
      /id="snippet-variants".*?<code>s\.js<\/code>: domyślny.*?<code>s\.full\.js<\/code>: .*?oglądane produkty.*?<code>data-sm-monitoring<\/code>: .*?kod monitorujący/s,
    );
    const off = await page('/setup?lang=en', { bindings: { ...env, TAGS_PURCHASE_GUEST: '' } as Env });
    expect(off.html).toMatch(/data-name="TAGS_PURCHASE_GUEST".*?badge off/s);
  });

  it('sends a strict CSP whose nonce is the one on the inline style, and no-store', async () => {
    const res = await page('/setup');
    const csp = res.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(res.html).toContain(`<style nonce="${nonce}">`);
    // One script, the copy buttons', allowed by the same nonce; nothing inline without it.
    expect(csp).toContain(`script-src 'nonce-${nonce}'`);
    expect(res.html.match(/<script/g)).toHaveLength(1);
    expect(res.html).toContain(`<script nonce="${nonce}">`);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('/setup buttons', () => {
  it('"Test connection" makes an authenticated call to the simulator and shows the answer', async () => {
    const ok = await page('/setup/test-connection?lang=en', { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(dataOk(ok.html, 'test-connection-result')).toBe('true');
    expect(ok.html).toContain('SALESmanago accepted the credentials');

    const bad = await page('/setup/test-connection?lang=en', {
      method: 'POST',
      bindings: { ...env, SALESMANAGO_API_SECRET: 'a-wrong-api-secret' } as Env,
    });
    expect(bad.status).toBe(200);
    expect(dataOk(bad.html, 'test-connection-result')).toBe('false');
    expect(bad.html).toContain('Could not connect');
    expect(bad.html).not.toContain('a-wrong-api-secret');
  });

  it('"Test callback URL" calls both callbacks and shows success, without touching the shop\'s feed', async () => {
    const before = (await env.LEDGER.prepare('SELECT COUNT(*) AS n FROM consent_changes').first<{ n: number }>())?.n;
    const res = await page('/setup/test-callbacks?lang=pl', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(dataOk(res.html, 'test-callbacks-result')).toBe('true');
    expect(res.html).toContain('Callbacki działają');
    expect(res.html).toMatch(/data-kind="opt-in" data-ok="true"/);
    expect(res.html).toMatch(/data-kind="opt-out" data-ok="true"/);
    expect((await env.LEDGER.prepare('SELECT COUNT(*) AS n FROM consent_changes').first<{ n: number }>())?.n).toBe(before);
  });

  it('"Test callback URL" reports failure when CALLBACK_SECRET is unset', async () => {
    const res = await page('/setup/test-callbacks?lang=en', { method: 'POST', bindings: { ...env, CALLBACK_SECRET: '' } as Env });
    expect(dataOk(res.html, 'test-callbacks-result')).toBe('false');
    expect(res.html).toContain('CALLBACK_SECRET is not set');
    const pl = await page('/setup/test-callbacks?lang=pl', { method: 'POST', bindings: { ...env, CALLBACK_SECRET: '' } as Env });
    expect(pl.html).toContain('Callbacki nie działają: sekret callbacków (CALLBACK_SECRET) nie jest ustawiony.');
  });

  it('on the Polish page, configuration problems and connection-test details are in Polish', async () => {
    const bindings = { ...env, SALESMANAGO_OWNER: 'nie-email', SHOP_API_SECRET: 'krotki' } as Env;
    const res = await page('/setup?lang=pl', { bindings });
    expect(res.html).toMatch(/data-name="SALESMANAGO_OWNER".*?musi być adresem e-mail/s);
    expect(res.html).toMatch(/data-name="SHOP_API_SECRET".*?musi mieć co najmniej 16 znaków/s);
    expect(res.html).not.toContain('must be an e-mail address');
    const test = await page('/setup/test-connection?lang=pl', { method: 'POST', bindings });
    expect(test.html).toContain('Nie udało się połączyć: Brakuje wartości połączenia: E-mail konta użytkownika SALESmanago (Owner): musi być adresem e-mail');
    const wrong = await page('/setup/test-connection?lang=pl', { method: 'POST', bindings: { ...env, SALESMANAGO_API_SECRET: 'a-wrong-api-secret' } as Env });
    expect(wrong.html).toContain('SALESmanago nie przyjęło Client ID i API Secret');
  });
});
