// Issue 20 item 4 ("Hostile traffic, second pass", smaller holes): one test per hole, each of which
// fails on the code before the fix.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { readConfig } from '../config.ts';
import { callbackKey } from '../consent/callback-key.ts';
import type { Env } from '../env.ts';
import { mintLoginToken } from '../identity/login-token.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import { itemsOf, type QueueMessage } from '../queue/messages.ts';
import { applySettingsForm } from '../settings/form.ts';
import { publicPathProblem } from '../shop/public-path.ts';

const env: Env = workerEnv;
const SECRET = env.SHOP_API_SECRET!;
const SHOP = 'http://localhost:8788';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';
const KELVIN = '\u212Aelvin@example.com';

async function request(path: string, init: RequestInit, bindings: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function signed(path: string, body: unknown): Promise<{ status: number; error?: string }> {
  const raw = JSON.stringify(body);
  const header = await sign(SECRET, Math.floor(Date.now() / 1000), 'POST', path, raw);
  const res = await request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw });
  return { ...((await res.json()) as { error?: string }), status: res.status };
}

let n = 0;
const id = (prefix: string) => `${prefix}${Date.now().toString(36)}${(n += 1)}${crypto.randomUUID().slice(0, 8)}`;
const purchase = (extra: Record<string, unknown> = {}) => ({
  type: 'purchase',
  orderId: id('ORD-'),
  email: 'buyer@example.com',
  value: 10,
  currency: 'PLN',
  products: [{ id: 'sku-1', quantity: 1, price: 10 }],
  occurredAt: new Date().toISOString(),
  ...extra,
});
const beacon = (events: Record<string, unknown>[], headers: Record<string, string> = {}, bindings: Env = env) =>
  request(
    '/e',
    {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: SHOP, 'User-Agent': UA, ...headers },
      body: JSON.stringify({ v: 2, u: id('visitor-').padEnd(20, 'x'), e: events }),
    },
    bindings,
  );

let queued: MockInstance<Queue<QueueMessage>['sendBatch']>;
beforeEach(() => {
  queued = vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockImplementation(async () => undefined as never);
});
afterEach(() => vi.restoreAllMocks());

describe('the Kelvin sign: the e-mail rule checks the characters as sent, on every path', () => {
  it('shop events, contacts and batch items refuse it, naming the field', async () => {
    expect(await signed('/api/v1/events', purchase({ email: KELVIN }))).toMatchObject({ status: 400, error: expect.stringMatching(/^email: .*ASCII/) });
    expect(await signed('/api/v1/contacts', { email: KELVIN })).toMatchObject({ status: 400, error: expect.stringMatching(/^email: /) });
    expect(await signed('/api/v1/batch', { items: [{ kind: 'contact', email: KELVIN }] })).toMatchObject({
      status: 400,
      error: expect.stringMatching(/^items\[0\]\.email: /),
    });
  });

  it('a newsletter beacon refuses it', async () => {
    const res = await beacon([{ i: id('ev-'), k: 'newsletter', t: Date.now(), email: KELVIN }]);
    expect(res.status).toBe(400);
  });

  it('an opt-out callback refuses it even with the key of the ASCII address', async () => {
    const key = await callbackKey('kelvin@example.com', env.CALLBACK_SECRET!);
    const res = await request(`/callbacks/opt-out?email=${encodeURIComponent(KELVIN)}&key=${key}`, { method: 'GET' });
    expect(res.status).toBe(400);
  });

  it('the consent lookup refuses it', async () => {
    expect((await signed('/api/v1/consents/lookup', { email: KELVIN })).status).toBe(400);
  });

  it('a login token minted for it identifies no one', async () => {
    const token = await mintLoginToken(SECRET, KELVIN, Math.floor(Date.now() / 1000) + 600);
    expect((await beacon([{ i: id('ev-'), k: 'login', t: Date.now(), token }])).status).toBe(202);
    const events = queued.mock.calls.flatMap(([batch]) => [...batch].flatMap((m) => itemsOf(m.body)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'event', event: { type: 'login' } });
    expect((events[0] as { event: { email?: string } }).event.email).toBeUndefined();
  });
});

describe('order dates: the window SALESmanago takes (13-digit milliseconds)', () => {
  it('refuses 2001-09-08 at ingest, naming the field, on /events and in a batch', async () => {
    const old = '2001-09-08T12:00:00Z';
    expect(await signed('/api/v1/events', purchase({ occurredAt: old }))).toMatchObject({
      status: 400,
      error: expect.stringMatching(/^occurredAt: must not be before 2001-09-09T01:46:40Z/),
    });
    expect(await signed('/api/v1/batch', { items: [{ kind: 'event', ...purchase({ occurredAt: old }) }] })).toMatchObject({
      status: 400,
      error: expect.stringMatching(/^items\[0\]\.occurredAt: /),
    });
    expect(queued).not.toHaveBeenCalled();
  });

  it('accepts the first 13-digit millisecond date', async () => {
    expect((await signed('/api/v1/events', purchase({ occurredAt: '2001-09-09T01:46:40Z' }))).status).toBe(202);
  });
});

describe('shop domains: a public suffix is refused', () => {
  it.each(['com', 'pl', 'co.uk', 'github.io'])('SHOP_DOMAINS "%s" admits no beacon from https://evil.com, and is named', async (suffix) => {
    const bindings = { ...env, SHOP_DOMAINS: `localhost, ${suffix}` } as Env;
    const evil = `https://evil.${suffix}`;
    expect((await beacon([{ i: id('ev-'), k: 'visit', t: Date.now() }], { Origin: evil }, bindings)).status).toBe(403);
    // The registered shop keeps working.
    expect((await beacon([{ i: id('ev-'), k: 'visit', t: Date.now() }], {}, bindings)).status).toBe(202);
    expect(readConfig(bindings).problems).toContainEqual({ name: 'SHOP_DOMAINS', problem: expect.stringContaining(`"${suffix}" is a public suffix`) });
    const health = (await (await request('/health', { method: 'GET' }, bindings)).json()) as { problems: string[] };
    expect(health.problems).toContain('SHOP_DOMAINS');
  });

  it('keeps real shop domains, localhost and a subdomain of a private suffix', () => {
    const config = readConfig({ ...env, SHOP_DOMAINS: 'sklep.example.pl, localhost, my-shop.github.io, example.co.uk' } as Env);
    expect(config.shopDomains).toEqual(['sklep.example.pl', 'localhost', 'my-shop.github.io', 'example.co.uk']);
    expect(config.problems.filter((p) => p.name === 'SHOP_DOMAINS')).toEqual([]);
  });

  it('the setup page refuses to save one', () => {
    const raw = { ADMIN_PASSWORD: 'local-only-admin' } as Env;
    const result = applySettingsForm(readConfig, raw, new Map(), { SHOP_DOMAINS: 'co.uk' });
    expect(result.errors).toContainEqual({ name: 'SHOP_DOMAINS', problem: expect.stringContaining('public suffix') });
  });
});

describe('/setup/settings has a body limit', () => {
  it('a 100 MB form is refused with 413 as it arrives, not read whole', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 1600) controller.close();
        else controller.enqueue(new TextEncoder().encode(`DOUBLE_OPT_IN_EMAIL_ID=${'x'.repeat(64 * 1024)}`));
      },
    });
    const res = await request('http://sm-edge.test/setup/settings', {
      method: 'POST',
      headers: {
        Authorization: `Basic ${btoa(`merchant:${env.ADMIN_PASSWORD}`)}`,
        Origin: 'http://sm-edge.test',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/settings form is larger than 64 KB/);
    expect(pulled).toBeLessThan(10);
  });
});

describe('settings validation', () => {
  it('bounds field lengths: a 100 KB DOUBLE_OPT_IN_EMAIL_ID is refused, naming the field', () => {
    const raw = { ADMIN_PASSWORD: 'local-only-admin' } as Env;
    const result = applySettingsForm(readConfig, raw, new Map(), { DOUBLE_OPT_IN_EMAIL_ID: 'x'.repeat(100 * 1024) });
    expect(result.errors).toContainEqual({ name: 'DOUBLE_OPT_IN_EMAIL_ID', problem: 'must be at most 100 characters' });
    expect(result.next.has('DOUBLE_OPT_IN_EMAIL_ID')).toBe(false);
    expect(applySettingsForm(readConfig, raw, new Map(), { TAGS_NEWSLETTER: 'x'.repeat(5000), 'TAGS_NEWSLETTER.shown': '1' }).errors).toContainEqual({
      name: 'TAGS_NEWSLETTER',
      problem: 'must be at most 1000 characters',
    });
  });

  it.each(['/setup', '/admin', '/api', '/api/x', '/hooks', '/callbacks', '/r', '/health', '/e', '/s.js', '/s.cmp.js', '/openapi.json', '/Setup/x'])(
    "PUBLIC_PATH_PREFIX %s collides with the worker's own paths",
    (prefix) => {
      expect(publicPathProblem(prefix)).toMatch(/a path of the worker itself/);
      expect(readConfig({ ...env, PUBLIC_PATH_PREFIX: prefix } as Env).publicPathPrefix).toBe('');
    },
  );

  it('a neutral PUBLIC_PATH_PREFIX stays usable', () => {
    for (const prefix of ['/_e', '/static/x', '/e2', '/rr']) expect(publicPathProblem(prefix)).toBeNull();
  });
});
