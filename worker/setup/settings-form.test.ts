// The settings form of /setup over HTTP, in workerd: a merchant without any wrangler vars (only
// ADMIN_PASSWORD) enters the seed's values, tests them, and the worker uses them at once.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { app } from '../index.ts';
import { forgetStoredSettings } from '../settings/merge.ts';
import { asEvents, browserEvent, consume, ledger } from '../test/delivery-fixtures.ts';
import { withSettings } from '../settings/merge.ts';
import { SNAPSHOT_KEY } from '../settings/store.ts';

const env: Env = workerEnv;
const ORIGIN = 'http://sm-edge.test';
const PASSWORD = env.ADMIN_PASSWORD!;
const SIMULATOR = env.SALESMANAGO_ENDPOINT!;

/** Only ADMIN_PASSWORD from wrangler: everything else comes from the page. */
const bare = (): Env => {
  const e: Env = { ...env };
  for (const name of [
    'SALESMANAGO_ENDPOINT',
    'SALESMANAGO_CLIENT_ID',
    'SALESMANAGO_API_SECRET',
    'SALESMANAGO_OWNER',
    'SALESMANAGO_LOCATION',
    'SHOP_DOMAINS',
    'SHOP_API_SECRET',
    'CALLBACK_SECRET',
    'TAGS_REGISTRATION',
    'TAGS_NEWSLETTER',
    'TAGS_PURCHASE_LOGGED_IN',
    'TAGS_PURCHASE_GUEST',
    'DOUBLE_OPT_IN',
  ] as const)
    delete e[name];
  return e;
};

async function request(path: string, bindings: Env, form?: Record<string, string>, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const init: RequestInit = {
    method: form ? 'POST' : 'GET',
    headers: {
      Authorization: `Basic ${btoa(`merchant:${PASSWORD}`)}`,
      ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN } : {}),
      ...headers,
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  };
  const res = await app.request(`${ORIGIN}${path}`, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, html: await res.text() };
}

const SEED = {
  SALESMANAGO_ENDPOINT: SIMULATOR,
  SALESMANAGO_CLIENT_ID: env.SALESMANAGO_CLIENT_ID!,
  SALESMANAGO_API_SECRET: env.SALESMANAGO_API_SECRET!,
  SALESMANAGO_OWNER: env.SALESMANAGO_OWNER!,
};

afterEach(async () => {
  await env.LEDGER.batch([env.LEDGER.prepare('DELETE FROM settings'), env.LEDGER.prepare('DELETE FROM settings_changes')]);
  await env.CONSENTS.delete(SNAPSHOT_KEY);
  forgetStoredSettings();
});

describe('the settings form', () => {
  it('starts empty and unlocked when only ADMIN_PASSWORD is set, naming what is missing', async () => {
    const res = await request('/setup?lang=en', bare());
    expect(res.status).toBe(200);
    expect(res.html).toMatch(/data-name="SALESMANAGO_CLIENT_ID".*?missing.*?data-source="default"/s);
    expect(res.html).not.toMatch(/name="SALESMANAGO_CLIENT_ID"[^>]*disabled/);
    expect(res.html).toContain('id="save-and-test"');
  });

  it('"Save and test" stores the four values, tests them at once, and every route uses them', async () => {
    const bindings = bare();
    const res = await request('/setup/settings?lang=en', bindings, { ...SEED, action: 'save-test' });
    expect(res.status).toBe(200);
    expect(res.html).toMatch(/id="settings-result" class="result" data-ok="true"/);
    // Named by their labels, in the page's language, not by their variable names.
    expect(res.html).toContain(
      'Saved: Address (EndPoint), Application identifier (Client ID), Application secret (API Secret), SALESmanago user&#39;s account e-mail (Owner).',
    );
    expect(res.html).toMatch(/id="test-connection-result" class="result" data-ok="true"/);
    expect(res.html).toContain('SALESmanago accepted the credentials');
    // The secret: encrypted at rest, never shown again, only its last 4 characters.
    const row = await env.LEDGER.prepare("SELECT value FROM settings WHERE name = 'SALESMANAGO_API_SECRET'").first<{ value: string }>();
    expect(row?.value).toMatch(/^v1\./);
    expect(row?.value).not.toContain(SEED.SALESMANAGO_API_SECRET);
    const page = await request('/setup?lang=en', bindings);
    expect(page.html).not.toContain(SEED.SALESMANAGO_API_SECRET);
    expect(page.html).toContain(`ends in …${SEED.SALESMANAGO_API_SECRET.slice(-4)}`);
    expect(page.html).toMatch(/data-name="SALESMANAGO_CLIENT_ID".*?set, valid.*?data-source="stored"/s);
    expect(page.html).toMatch(/id="last-changed"[^>]*>Settings last changed .* UTC \(Address \(EndPoint\), /);
    // /health reads the same merged settings (through the KV snapshot the save wrote).
    expect(await env.CONSENTS.get(SNAPSHOT_KEY)).not.toContain(SEED.SALESMANAGO_API_SECRET);
    const health = await app.request('/health', {}, bindings);
    const body = await health.json<{ salesmanagoConfigured: boolean; problems: string[] }>();
    expect(body.salesmanagoConfigured).toBe(true);
    expect(body.problems.some((p) => p.startsWith('SALESMANAGO_'))).toBe(false);
  });

  it('the request routes merge the settings once per snapshot, and a save makes a new merge at once', async () => {
    const bindings = bare();
    const first = await withSettings(bindings);
    expect(await withSettings(bindings)).toBe(first); // the same snapshot: the same merged Env
    expect(first.SALESMANAGO_CLIENT_ID).toBeUndefined();
    await request('/setup/settings?lang=en', bindings, SEED);
    const after = await withSettings(bindings);
    expect(after).not.toBe(first);
    expect(after.SALESMANAGO_CLIENT_ID).toBe(SEED.SALESMANAGO_CLIENT_ID);
    // Another raw Env never gets this one's merge.
    expect(await withSettings({ ...bindings, SHOP_DOMAINS: 'other.example' })).not.toBe(after);
    const health = await app.request('/health', {}, bindings);
    expect((await health.json<{ salesmanagoConfigured: boolean }>()).salesmanagoConfigured).toBe(true);
  });

  it('a plain "Save" of a SALESmanago value tests the connection too; other saves do not', async () => {
    const bindings = bare();
    const owner = await request('/setup/settings?lang=en', bindings, { ...SEED, action: 'save' });
    expect(owner.html).toContain('id="test-connection-result"');
    const tags = await request('/setup/settings?lang=en', bindings, { 'TAGS_NEWSLETTER.shown': '1', TAGS_NEWSLETTER: 'NL', action: 'save' });
    expect(tags.html).toMatch(/id="settings-result" class="result" data-ok="true"/);
    expect(tags.html).not.toContain('id="test-connection-result"');
  });

  it('a wrangler value wins and locks its field; a post cannot override it', async () => {
    const bindings = { ...bare(), SALESMANAGO_CLIENT_ID: 'wranglerclient' } as Env;
    const page = await request('/setup?lang=pl', bindings);
    expect(page.html).toMatch(/name="SALESMANAGO_CLIENT_ID"[^>]*disabled/);
    expect(page.html).toMatch(/data-name="SALESMANAGO_CLIENT_ID".*?ustawione w wrangler.toml: zablokowane/s);
    await request('/setup/settings', bindings, { SALESMANAGO_CLIENT_ID: 'otherclient' });
    expect((await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM settings WHERE name = 'SALESMANAGO_CLIENT_ID'").first<{ n: number }>())?.n).toBe(0);
  });

  it("refuses an invalid save with named errors in the page's language, and stores nothing", async () => {
    const bindings = bare();
    const pl = await request('/setup/settings?lang=pl', bindings, { SALESMANAGO_OWNER: 'nie-email', SHOP_DOMAINS: 'sklep.pl, zła domena' });
    expect(pl.status).toBe(400);
    expect(pl.html).toContain('Nie zapisano');
    expect(pl.html).toMatch(
      /<li data-name="SALESMANAGO_OWNER"><b>E-mail konta użytkownika SALESmanago \(Owner\)<\/b> <code class="small env">SALESMANAGO_OWNER<\/code>: musi być adresem e-mail<\/li>/,
    );
    // The banner at the top names the refused fields, and no green "Gotowe!" stands next to it.
    expect(pl.html).toMatch(/id="action-result" class="banner bad" data-action="refused" data-ok="false"><a href="#connection">Nie zapisano. Popraw: /);
    expect(pl.html).not.toContain('id="overall"');
    expect(pl.html).toContain('„zła domena” nie jest nazwą domeny');
    expect(pl.html).toContain('value="nie-email"'); // what was typed stays in the form
    const en = await request('/setup/settings?lang=en', bindings, { SALESMANAGO_OWNER: 'not-an-email' });
    expect(en.html).toContain('must be an e-mail address');
    expect((await env.LEDGER.prepare('SELECT COUNT(*) AS n FROM settings').first<{ n: number }>())?.n).toBe(0);
  });

  it.each([
    ['SALESMANAGO_CLIENT_ID', { SALESMANAGO_CLIENT_ID: '' }, 'Unikatowy identyfikator aplikacji (Client ID)'],
    ['SALESMANAGO_API_SECRET', { 'SALESMANAGO_API_SECRET.clear': '1' }, 'Ukryty kod aplikacji (API Secret)'],
    ['SALESMANAGO_ENDPOINT', { SALESMANAGO_ENDPOINT: ' ' }, 'Adres (EndPoint)'],
    ['SALESMANAGO_OWNER', { SALESMANAGO_OWNER: '' }, 'E-mail konta użytkownika SALESmanago (Owner)'],
  ] as const)('refuses an empty %s once the connection is set, naming the field by its label', async (name, form, label) => {
    const bindings = bare();
    expect((await request('/setup/settings?lang=en', bindings, { ...SEED, action: 'save' })).status).toBe(200);
    const before = await env.LEDGER.prepare('SELECT name, value FROM settings ORDER BY name').all();
    const res = await request('/setup/settings?lang=pl', bindings, { ...SEED, ...form, action: 'save-test' });
    expect(res.status).toBe(400);
    expect(res.html).toContain(`<li data-name="${name}"><b>${label}</b> <code class="small env">${name}</code>: jest wymagane`);
    expect(res.html).toMatch(/id="action-result" class="banner bad" data-action="refused"/);
    expect(res.html).not.toContain('id="test-connection-result"');
    // The section's badge follows the refused field, not the configuration saved before.
    expect(res.html).toMatch(/<section id="connection"><h2>.*?<span class="badge bad">/s);
    expect((await env.LEDGER.prepare('SELECT name, value FROM settings ORDER BY name').all()).results).toEqual(before.results);
  });

  it('a first visit may save other sections while the whole connection is still empty', async () => {
    const res = await request('/setup/settings?lang=en', bare(), {
      SALESMANAGO_ENDPOINT: '',
      SALESMANAGO_CLIENT_ID: '',
      SALESMANAGO_OWNER: '',
      'TAGS_NEWSLETTER.shown': '1',
      TAGS_NEWSLETTER: 'NL',
      action: 'save',
    });
    expect(res.status).toBe(200);
    expect(res.html).toMatch(/id="action-result" class="banner ok" data-action="save" data-ok="true"><a href="#settings-result">Saved: Newsletter signup\.</);
    expect(res.html).toMatch(/id="last-changed" class="muted">Settings last changed [^<]*\(Newsletter signup\)/);
  });

  it('is CSRF-protected and behind the admin password', async () => {
    const bindings = bare();
    expect((await request('/setup/settings', bindings, SEED, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await request('/setup/settings', bindings, SEED, { Authorization: `Basic ${btoa('x:wrong-password')}` })).status).toBe(401);
    expect((await env.LEDGER.prepare('SELECT COUNT(*) AS n FROM settings').first<{ n: number }>())?.n).toBe(0);
  });

  it('explains a failed test in merchant words, in Polish too', async () => {
    const bindings = bare();
    const res = await request('/setup/settings?lang=pl', bindings, { ...SEED, SALESMANAGO_API_SECRET: 'a-wrong-api-secret', action: 'save-test' });
    expect(res.html).toMatch(/id="test-connection-result" class="result" data-ok="false" data-reason="auth"/);
    expect(res.html).toContain('SALESmanago nie przyjęło Client ID i API Secret');
    expect(res.html).toContain('Odpowiedź SALESmanago:');
    // The banner at the top says so too, never "Gotowe!" above a failed test.
    expect(res.html).toMatch(
      /id="action-result" class="banner bad" data-action="save-test" data-ok="false"><a href="#test-connection-result">Zapisano: [^<]*Test połączenia z SALESmanago się nie powiódł/,
    );
    expect(res.html).not.toContain('Gotowe!');
    expect(res.html).not.toContain('a-wrong-api-secret');
    const owner = await request('/setup/settings?lang=en', bindings, { ...SEED, SALESMANAGO_OWNER: 'nobody@shop.localhost', action: 'save-test' });
    expect(owner.html).toMatch(/data-reason="owner"/);
    expect(owner.html).toContain('SALESmanago does not know the Owner address');
  });

  it('shows the snippet with data-consent="required" for an EU shop, with copy buttons', async () => {
    const bindings = bare();
    await request('/setup/settings', bindings, { SHOP_DOMAINS: 'sklep.example.pl', 'CALLBACK_SECRET.generate': '1' });
    const page = await request('/setup?lang=en', bindings);
    expect(page.html).toContain('data-consent=&quot;required&quot;&gt;&lt;/script&gt;');
    expect(page.html).toContain('id="snippet-consent-note"');
    for (const id of ['snippet-code', 'opt-in-url', 'opt-out-url']) expect(page.html).toContain(`data-copy="${id}"`);
  });

  it('events that waited for a configuration go out as soon as one is saved, without a replay', async () => {
    const bindings = bare();
    const event = browserEvent('visit', { email: 'waiting@example.com', emailVerified: true });
    // The consumer, unconfigured: the event is kept queued with the reason.
    await consume([asEvents([event])], { env: await withSettings(bindings, { fresh: true }) });
    expect((await ledger(event.id))?.last_error).toMatch(/^SALESmanago is not configured/);
    const res = await request('/setup/settings?lang=en', bindings, SEED);
    expect(res.html).toContain('1 event that waited for the configuration sent to SALESmanago');
    expect((await ledger(event.id))?.last_error ?? null).toBeNull();
  });
});
