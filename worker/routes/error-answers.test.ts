// Every refusal the worker answers, pinned: status, the whole JSON body and the headers a client
// acts on (Retry-After, Allow, CORS). Written before the answers moved from inline c.json calls to
// thrown errors (worker/errors.ts) answered by app.onError: the public answers must not change.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import type { QueueMessage } from '../queue/messages.ts';

const env: Env = workerEnv;
const SHOP = 'http://localhost:8788';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';
const refusing = { limit: async () => ({ success: false }) } as unknown as RateLimit;

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | null>;
}

async function send(url: string, init: RequestInit = {}, bindings: Env = env): Promise<Answer> {
  const ctx = createExecutionContext();
  const res = await app.request(url, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  const headers: Record<string, string | null> = {};
  for (const name of ['Retry-After', 'Allow', 'Access-Control-Allow-Origin', 'WWW-Authenticate']) headers[name] = res.headers.get(name);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { status: res.status, body, headers };
}

const beacon = (body: string, headers: Record<string, string> = {}, bindings: Env = env) =>
  send('/e', { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: SHOP, 'User-Agent': UA, ...headers }, body }, bindings);

async function signed(path: string, body: string, bindings: Env = env, method = 'POST'): Promise<Answer> {
  const t = Math.floor(Date.now() / 1000);
  const header = await sign(env.SHOP_API_SECRET!, t, method, path, body);
  return send(path, { method, headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, ...(method === 'GET' ? {} : { body }) }, bindings);
}

const visitor = () => `v${crypto.randomUUID().replace(/-/g, '')}`.slice(0, 32);
const okBeacon = () =>
  JSON.stringify({ v: 2, u: visitor(), e: [{ i: `ev${crypto.randomUUID().slice(0, 8)}`, k: 'visit', t: Date.now(), u: `${SHOP}/p`, h: 'P' }] });
const none = { 'Retry-After': null, Allow: null, 'Access-Control-Allow-Origin': null, 'WWW-Authenticate': null };
const cors = { ...none, 'Access-Control-Allow-Origin': SHOP };
const basic = (password: string) => `Basic ${btoa(`anyone:${password}`)}`;

afterEach(() => vi.restoreAllMocks());

describe('POST /e refusals', () => {
  it('413 over 32 KB', async () => {
    expect(await beacon('x'.repeat(33 * 1024))).toEqual({ status: 413, body: { error: 'body is larger than 32 KB' }, headers: cors });
  });
  it('400 not JSON, 400 not a beacon', async () => {
    expect(await beacon('{')).toEqual({ status: 400, body: { error: 'body: is not valid JSON' }, headers: cors });
    expect(await beacon('{}')).toEqual({ status: 400, body: { error: 'v, u, e: is required' }, headers: cors });
  });
  it('403 without an origin, 403 from another origin', async () => {
    expect(await send('/e', { method: 'POST', body: okBeacon() })).toEqual({
      status: 403,
      body: { error: "Origin (or Referer) header is missing: beacons are accepted only from the shop's pages" },
      headers: none,
    });
    expect(await beacon(okBeacon(), { Origin: 'https://evil.example' })).toEqual({
      status: 403,
      body: { error: 'origin https://evil.example is not one of the registered shop domains (SHOP_DOMAINS)' },
      headers: none,
    });
  });
  it('429 per IP and per visitor, with Retry-After', async () => {
    expect(await beacon(okBeacon(), { 'CF-Connecting-IP': '192.0.2.1' }, { ...env, RATE_LIMIT_IP: refusing })).toEqual({
      status: 429,
      body: { error: 'too many requests from this IP address; retry later' },
      headers: { ...cors, 'Retry-After': '60' },
    });
    expect(await beacon(okBeacon(), {}, { ...env, RATE_LIMIT_VISITOR: refusing })).toEqual({
      status: 429,
      body: { error: 'too many requests from this visitor; retry later' },
      headers: { ...cors, 'Retry-After': '60' },
    });
  });
  it('503 when the queue refuses, with Retry-After', async () => {
    vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockRejectedValue(new Error('queue down'));
    vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'send').mockRejectedValue(new Error('queue down'));
    expect(await beacon(okBeacon())).toEqual({
      status: 503,
      body: { error: 'the event queue is temporarily unavailable; nothing was accepted, retry later' },
      headers: { ...cors, 'Retry-After': '30' },
    });
  });
});

describe('shop API refusals', () => {
  it('503 without a secret, 401 without or with a wrong signature', async () => {
    expect(await send('/api/v1/events', { method: 'POST', body: '{}' }, { ...env, SHOP_API_SECRET: undefined } as Env)).toEqual({
      status: 503,
      body: { error: 'SHOP_API_SECRET is not set or too short: the shop API is disabled until it is fixed (see the setup page)' },
      headers: none,
    });
    const missing = await send('/api/v1/events', { method: 'POST', body: '{}' });
    expect(missing).toMatchObject({ status: 401, body: { error: expect.stringContaining('Sm-Edge-Signature') } });
    const t = Math.floor(Date.now() / 1000);
    const wrong = await send('/api/v1/events', { method: 'POST', body: '{}', headers: { 'Sm-Edge-Signature': `t=${t},v1=${'0'.repeat(64)}` } });
    expect(wrong).toMatchObject({ status: 401, body: { error: expect.any(String) } });
  });
  it('413 over the body limit, 400 not JSON, 400 by field', async () => {
    expect(await signed('/api/v1/events', 'x'.repeat(257 * 1024))).toEqual({ status: 413, body: { error: 'body is larger than 256 KB' }, headers: none });
    expect(await signed('/api/v1/events', '{')).toEqual({ status: 400, body: { error: 'body: is not valid JSON' }, headers: none });
    expect(await signed('/api/v1/events', '{}')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^type: /) } });
    expect(await signed('/api/v1/contacts', '{}')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^email: /) } });
    expect(await signed('/api/v1/batch', '{"items":[{"kind":"event"}]}')).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^items\[0\]\./) },
    });
    // Bodies no other file sends: a signed request seen before in the same second is a replay (401), and
    // the fuzzing of /api/v1/products may run just before this file in the quick loop's shared storage.
    expect(await signed('/api/v1/products', '{"products":')).toEqual({ status: 400, body: { error: 'body: is not valid JSON' }, headers: none });
    expect(await signed('/api/v1/products', '{"products":"none"}')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/products/) } });
  });
  it('401 for a replayed request', async () => {
    const t = Math.floor(Date.now() / 1000);
    const body = '{}';
    const header = await sign(env.SHOP_API_SECRET!, t, 'POST', '/api/v1/products', body);
    const init = { method: 'POST', headers: { 'Sm-Edge-Signature': header }, body };
    await send('/api/v1/products', init);
    expect(await send('/api/v1/products', init)).toMatchObject({ status: 401, body: { error: expect.stringMatching(/replay|already/i) } });
  });
  it('consents: 405 with Allow, 400 for a bad cursor, limit, body or e-mail', async () => {
    expect(await send('/api/v1/consents/x@example.com', { method: 'DELETE' })).toEqual({
      status: 405,
      body: { error: 'DELETE is not allowed here: consents are read with GET (or POST /api/v1/consents/lookup)' },
      headers: { ...none, Allow: 'GET' },
    });
    expect(await signed('/api/v1/consents?since=nope', '', env, 'GET')).toEqual({
      status: 400,
      body: { error: 'since must be a cursor returned as "next" by this API' },
      headers: none,
    });
    expect(await signed('/api/v1/consents?limit=0', '', env, 'GET')).toEqual({
      status: 400,
      body: { error: 'limit must be an integer from 1 to 1000' },
      headers: none,
    });
    expect(await signed('/api/v1/consents/lookup', '{')).toEqual({ status: 400, body: { error: 'body: is not valid JSON' }, headers: none });
    expect(await signed('/api/v1/consents/lookup', '{"email":"nope"}')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^email/) } });
  });
  it('privacy: 400 not JSON, not a string, not an e-mail; 503 when the ledger fails', async () => {
    expect(await signed('/api/v1/contacts/export', '{')).toEqual({ status: 400, body: { error: 'body: is not valid JSON' }, headers: none });
    expect(await signed('/api/v1/contacts/export', '{"email":1}')).toEqual({ status: 400, body: { error: 'email: must be a string' }, headers: none });
    expect(await signed('/api/v1/contacts/erase', '{"email":"nope"}')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^email/) } });
    const prepare = env.LEDGER.prepare.bind(env.LEDGER);
    vi.spyOn(env.LEDGER, 'prepare').mockImplementation((sql: string) => {
      if (/consent_proofs/.test(sql)) throw new Error('D1 down');
      return prepare(sql);
    });
    expect(await signed('/api/v1/consents/proof', '{"email":"a@example.com"}')).toEqual({
      status: 503,
      body: { error: 'the proof lookup could not be completed now; nothing is lost, retry later' },
      headers: { ...none, 'Retry-After': '30' },
    });
  });
});

describe('callbacks, hooks, admin, setup and the rest', () => {
  it('callbacks: 400 bad body or e-mail, 403 key, 413 over 16 KB', async () => {
    const post = (body: string, type = 'application/json') => send('/callbacks/opt-in', { method: 'POST', headers: { 'Content-Type': type }, body });
    expect(await post('{')).toEqual({ status: 400, body: { error: 'body is not valid JSON' }, headers: none });
    expect(await post('x', 'multipart/form-data')).toEqual({ status: 400, body: { error: 'body is not valid multipart/form-data' }, headers: none });
    expect(await send('/callbacks/opt-in?email=nope&key=k')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/e-?mail/i) } });
    expect(await send('/callbacks/opt-in?email=a@example.com')).toEqual({ status: 403, body: { error: 'key is missing' }, headers: none });
    expect(await send('/callbacks/opt-in?email=a@example.com&key=sha1(x)')).toEqual({
      status: 403,
      body: { error: 'key does not match the e-mail (it still reads sha1(...): SALESmanago did not evaluate it)' },
      headers: none,
    });
    expect(await send('/callbacks/opt-in?email=a@example.com&key=k', {}, { ...env, CALLBACK_SECRET: undefined } as Env)).toEqual({
      status: 503,
      body: { error: 'callbacks are disabled: CALLBACK_SECRET is not set or too short on the worker' },
      headers: none,
    });
    expect(await post('x'.repeat(17 * 1024), 'text/plain')).toEqual({ status: 413, body: { error: 'body is larger than 16 KB' }, headers: none });
  });
  it('hooks: 413 over 1 MB, 401 unsigned', async () => {
    expect(await send('/hooks/woocommerce', { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) })).toEqual({
      status: 413,
      body: { error: 'body is larger than 1024 KB' },
      headers: none,
    });
    expect(await send('/hooks/woocommerce', { method: 'POST', body: '{}' })).toMatchObject({ status: 401, body: { error: expect.any(String) } });
  });
  it('admin: 503 locked, 401, 403 cross-site, 400 query, 429 password attempts', async () => {
    expect(await send('/admin/replay', { method: 'POST' }, { ...env, ADMIN_PASSWORD: undefined } as Env)).toEqual({
      status: 503,
      body: { error: 'ADMIN_PASSWORD is not set: the admin actions are disabled' },
      headers: none,
    });
    const unauthorised = await send('/admin/replay', { method: 'POST', headers: { Authorization: basic('wrong') } });
    expect(unauthorised).toEqual({
      status: 401,
      body: { error: 'authentication required: HTTP Basic with the ADMIN_PASSWORD' },
      headers: { ...none, 'WWW-Authenticate': 'Basic realm="salesmanago-edge"' },
    });
    expect(await send('/admin/replay', { method: 'POST', headers: { Origin: 'https://evil.example' } })).toEqual({
      status: 403,
      body: { error: 'cross-site request refused: use the setup page or call this from a script' },
      headers: none,
    });
    expect(await send('/admin/replay?status=nope', { method: 'POST', headers: { Authorization: basic(env.ADMIN_PASSWORD!) } })).toEqual({
      status: 400,
      body: { error: 'status must be "failed", "dead", "queued" or "kept"' },
      headers: none,
    });
    expect(
      await send(
        '/admin/replay',
        { method: 'POST', headers: { Authorization: basic('x'), 'CF-Connecting-IP': '192.0.2.9' } },
        { ...env, RATE_LIMIT_AUTH: refusing },
      ),
    ).toEqual({
      status: 429,
      body: { error: 'too many password attempts from this IP address; retry in a minute' },
      headers: { ...none, 'Retry-After': '60' },
    });
  });
  it('setup: 413 for a settings form over 64 KB', async () => {
    const answer = await send('/setup/settings', {
      method: 'POST',
      headers: { Authorization: basic(env.ADMIN_PASSWORD!), Origin: 'http://localhost', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `a=${'x'.repeat(65 * 1024)}`,
    });
    expect(answer).toEqual({ status: 413, body: { error: 'the settings form is larger than 64 KB' }, headers: none });
  });
  it('first-party path: 405 and 404; floor: 404 off the bench; no route: 404', async () => {
    const prefixed = { ...env, PUBLIC_PATH_PREFIX: '/t' } as Env;
    expect(await send('/t/s.js', { method: 'POST' }, prefixed)).toEqual({
      status: 405,
      body: { error: 'POST is not allowed on /s.js; use GET' },
      headers: none,
    });
    expect(await send('/t/s.nope.js', {}, prefixed)).toEqual({
      status: 404,
      body: { error: 'no tracker file /s.nope.js (npm run build writes them into dist/)' },
      headers: none,
    });
    expect(await send('/floor/signed', { method: 'POST' })).toEqual({ status: 404, body: { error: 'no route for POST /floor/signed' }, headers: none });
    expect(await send('/floor/bindings', { method: 'POST' })).toEqual({ status: 404, body: { error: 'no route for POST /floor/bindings' }, headers: none });
    expect(await send('/nope')).toEqual({ status: 404, body: { error: 'no route for GET /nope' }, headers: none });
  });
});
