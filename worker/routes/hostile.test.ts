// Issue 10 (hostile traffic) and issue 12's shop-API validation: one test per item, each of which
// fails on the code before the fix.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { LAST_REFUSED_CALLBACK_KEY, resetRefusedNotes } from '../consent/activity.ts';
import { callbackKey } from '../consent/callback-key.ts';
import { readConsent } from '../consent/store.ts';
import { itemsOf, type AcceptedEvent, type QueueMessage } from '../queue/messages.ts';
import { consume, email, simContact } from '../test/delivery-fixtures.ts';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { BOT_BEACONS, readCounter, resetPendingCounts } from '../ingest/counters.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;
const SECRET = env.SHOP_API_SECRET!;
const SHOP = 'http://localhost:8788';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';

async function request(path: string, init: RequestInit, bindings: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function signed(path: string, body: unknown, bindings: Env = env, secret = SECRET): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = JSON.stringify(body);
  const header = await sign(secret, Math.floor(Date.now() / 1000), 'POST', path, raw);
  const res = await request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw }, bindings);
  return { status: res.status, body: await res.json() };
}

let n = 0;
const id = (prefix: string) => `${prefix}${Date.now().toString(36)}${(n += 1)}${crypto.randomUUID().slice(0, 8)}`;

function beacon(events: Record<string, unknown>[], visitor = id('visitor-').padEnd(20, 'x')) {
  return { v: 2, u: visitor, e: events };
}
const newsletter = (address: string) => ({ i: id('ev-'), k: 'newsletter', t: Date.now(), email: address });

async function postBeacon(body: unknown, headers: Record<string, string> = {}, bindings: Env = env): Promise<Response> {
  return request(
    '/e',
    { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: SHOP, 'User-Agent': UA, ...headers }, body: JSON.stringify(body) },
    bindings,
  );
}

function purchase(extra: Record<string, unknown> = {}) {
  return {
    type: 'purchase',
    orderId: id('ORD-'),
    email: 'buyer@example.com',
    value: 10,
    currency: 'PLN',
    products: [{ id: 'sku-1', quantity: 1, price: 10 }],
    occurredAt: new Date().toISOString(),
    ...extra,
  };
}

let queue: { spy: MockInstance<Queue<QueueMessage>['sendBatch']>; messages: () => QueueMessage[] };
beforeEach(() => {
  const spy = vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockImplementation(async () => undefined as never);
  queue = { spy, messages: () => spy.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body)) };
});
afterEach(() => vi.restoreAllMocks());

const queuedEvents = (): AcceptedEvent[] =>
  queue
    .messages()
    .flatMap(itemsOf)
    .flatMap((i) => (i.kind === 'event' ? [i.event] : []));

describe('1. an unverified browser e-mail overrides no consent', () => {
  it('a newsletter beacon after the shop unsubscribed the address leaves it opted out', async () => {
    const victim = email('victim');
    expect((await signed('/api/v1/contacts', { email: victim, newsletter: 'unsubscribe' })).status).toBe(202);
    expect((await readConsent(env.CONSENTS, victim))?.status).toBe('opt-out');
    // Even with the risky setting on, a known opt-out stays.
    const risky = { ...env, BROWSER_SIGNUP_OPT_IN: 'true' };
    expect((await postBeacon(beacon([newsletter(victim)]), {}, risky)).status).toBe(202);
    const events = queuedEvents().filter((e) => e.email === victim);
    expect(events).toHaveLength(1);
    expect(events[0]!.knownOptOut).toBe(true);
    vi.restoreAllMocks();
    await consume([{ kind: 'events', events }], { env: risky });
    expect((await simContact(victim))?.optIn).not.toBe('opt-in');
    expect((await readConsent(env.CONSENTS, victim))?.status).toBe('opt-out');
  });

  it('without double opt-in a browser signup forces no opt-in (unless BROWSER_SIGNUP_OPT_IN=true)', async () => {
    const stranger = email('stranger');
    expect((await postBeacon(beacon([newsletter(stranger)]))).status).toBe(202);
    const events = queuedEvents();
    vi.restoreAllMocks();
    await consume([{ kind: 'events', events }]);
    expect((await simContact(stranger))?.optIn).not.toBe('opt-in');
  });
});

describe('2. poisoned beacons are refused at the door', () => {
  it.each(['x..1@example.com', '.a@x.pl', 'a.@x.pl', `${'a'.repeat(65)}@example.com`])('refuses %s', async (address) => {
    const res = await postBeacon(beacon([newsletter(address)]));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^e\[0\]\.email: must be a valid e-mail address/);
  });

  it.each(['0000-01-01T00:00:00Z', '9999-12-31T00:00:00Z', '1999-12-31T23:59:59Z'])('refuses a shop occurredAt of %s, naming the field', async (occurredAt) => {
    const answer = await signed('/api/v1/events', purchase({ occurredAt }));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/^occurredAt: must not be/);
  });
});

describe('2. 30 poisoned beacons interleaved with 60 purchases', () => {
  it('deliver all 60 purchases', async () => {
    const orders: string[] = [];
    const poisoned = ['x..1@example.com', '.a@x.pl', `${'b'.repeat(65)}@example.com`];
    for (let i = 0; i < 60; i += 1) {
      if (i % 2 === 0) {
        const res = await postBeacon(beacon([newsletter(poisoned[i % 3]!), { i: id('ev-'), k: 'survey', t: Date.now(), email: poisoned[(i + 1) % 3] }]));
        expect(res.status).toBe(400);
      }
      const order = purchase({ email: email('buyer') });
      orders.push(order.orderId);
      expect((await signed('/api/v1/events', order)).status).toBe(202);
    }
    const messages = queue.messages();
    vi.restoreAllMocks();
    await consume(messages);
    const rows = await env.LEDGER.prepare(`SELECT status, COUNT(*) AS n FROM deliveries WHERE id IN (SELECT value FROM json_each(?)) GROUP BY status`)
      .bind(JSON.stringify(orders.map((o) => `s:purchase:${o}`)))
      .all<{ status: string; n: number }>();
    expect(rows.results).toEqual([{ status: 'delivered', n: 60 }]);
  });
});

describe('3. cheap checks and a body limit before the body is read', () => {
  it('a large unsigned POST to /api/v1/consents is refused without its body being read', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 2000) controller.close();
        else controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await request('/api/v1/consents', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(405);
    expect(pulled).toBeLessThan(3);
  });

  it('/api/v1/batch checks the signature header before reading, and a declared length before the signature', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 100) controller.close();
        else controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const unsigned = await request('/api/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(unsigned.status).toBe(401);
    expect(pulled).toBeLessThan(3);
    const big = 'x'.repeat(2 * 1024 * 1024);
    const header = await sign(SECRET, Math.floor(Date.now() / 1000), 'POST', '/api/v1/events', big);
    const tooBig = await request('/api/v1/events', {
      method: 'POST',
      headers: { 'Sm-Edge-Signature': header, 'Content-Length': String(big.length) },
      body: big,
    });
    expect(tooBig.status).toBe(413);
  });
});

describe('5. bots: limited first, counted without a write per beacon', () => {
  it('1,000 bot beacons write the counter a handful of times, and sum up', async () => {
    resetPendingCounts();
    const before = await readCounter(env.LEDGER, BOT_BEACONS);
    const prepare = vi.spyOn(env.LEDGER, 'prepare');
    for (let i = 0; i < 200; i += 1) {
      const res = await postBeacon(beacon([{ i: id('ev-'), k: 'visit', t: Date.now() }]), { 'User-Agent': 'Googlebot/2.1' });
      expect(res.status).toBe(202);
    }
    const writes = prepare.mock.calls.filter(([sql]) => /ingest_counters/.test(sql)).length;
    expect(writes).toBeLessThanOrEqual(1);
    expect(await readCounter(env.LEDGER, BOT_BEACONS)).toBeGreaterThanOrEqual(before + 1);
  });

  it('a bot user agent does not get around the IP limit', async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    let limited = 0;
    // 600 a minute: a window that rolls over mid-loop (a slow, loaded machine) starts the count again,
    // so the loop may need up to two windows' worth before the 429.
    for (let i = 0; i < 2_000 && limited === 0; i += 1) {
      const res = await postBeacon(beacon([{ i: id('ev-'), k: 'visit', t: Date.now() }]), { 'User-Agent': 'curl/8.0', 'CF-Connecting-IP': ip });
      if (res.status === 429) limited += 1;
    }
    expect(limited).toBe(1);
  });
});

describe('6. refused callbacks do not write KV per request', () => {
  it('100 wrong-key callbacks write the refused note once', async () => {
    resetRefusedNotes();
    const put = vi.spyOn(env.CONSENTS, 'put');
    for (let i = 0; i < 100; i += 1) {
      const res = await request(`/callbacks/opt-out?email=${email('x')}&key=${'0'.repeat(40)}`, { method: 'GET' });
      expect(res.status).toBe(403);
    }
    expect(put.mock.calls.filter(([key]) => key === LAST_REFUSED_CALLBACK_KEY)).toHaveLength(1);
  });
});

describe('7. weak secrets fail closed', () => {
  it('a 5-character SHOP_API_SECRET authenticates nothing: 503 naming the setting', async () => {
    const weak = { ...env, SHOP_API_SECRET: 'abcde' };
    const answer = await signed('/api/v1/events', purchase(), weak, 'abcde');
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatch(/SHOP_API_SECRET/);
  });

  it('/health names the setting but not what is wrong with it', async () => {
    const res = await request('/health', { method: 'GET' }, { ...env, SHOP_API_SECRET: 'abcde' });
    const body = (await res.json()) as { problems: string[] };
    expect(body.problems).toEqual(['SHOP_API_SECRET']);
    expect(JSON.stringify(body)).not.toMatch(/short|characters|16/);
  });
});

describe('8. a malformed multipart callback body', () => {
  it('is a 400, not a 500', async () => {
    const res = await request('/callbacks/opt-in', {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=zzz' },
      body: '--zzz\r\nContent-Disposition: form-data; name="email"\r\n\r\nbroken',
    });
    expect(res.status).toBe(400);
  });
});

const basic = (password: string) => `Basic ${btoa(`admin:${password}`)}`;

describe('9. POST /admin/replay refuses cross-site requests', () => {
  it('403 for another Origin even with the right password; allowed from a script', async () => {
    const cross = await request('/admin/replay', {
      method: 'POST',
      headers: { Authorization: basic(env.ADMIN_PASSWORD!), Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(cross.status).toBe(403);
    const script = await request('/admin/replay?limit=1', { method: 'POST', headers: { Authorization: basic(env.ADMIN_PASSWORD!) } });
    expect(script.status).toBe(200);
  });
});

describe('10. password guessing is rate-limited per IP', () => {
  it('answers 429 within the first 100 wrong passwords from one IP', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const statuses = new Set<number>();
    for (let i = 0; i < 100; i += 1) {
      statuses.add((await request('/admin/replay', { method: 'POST', headers: { Authorization: basic(`guess-${i}`), 'CF-Connecting-IP': ip } })).status);
    }
    expect([...statuses]).toEqual(expect.arrayContaining([401, 429]));
  });
});

describe('11. order ids above 2^53', () => {
  it('are refused with a 400 naming the field; as strings they stay distinct', async () => {
    const raw = `{"type":"purchase","orderId":9007199261441100001,"email":"a@example.com","value":1,"currency":"PLN","products":[{"id":"x","quantity":1}],"occurredAt":"${new Date().toISOString()}"}`;
    const header = await sign(SECRET, Math.floor(Date.now() / 1000), 'POST', '/api/v1/events', raw);
    const res = await request('/api/v1/events', { method: 'POST', headers: { 'Sm-Edge-Signature': header }, body: raw });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^orderId: .*2\^53/);
    const base = id('9007199261441100');
    const a = await signed('/api/v1/events', purchase({ orderId: `${base}001` }));
    const b = await signed('/api/v1/events', purchase({ orderId: `${base}002` }));
    expect([a.body.status, b.body.status]).toEqual(['queued', 'queued']);
  });
});

describe('12. consent lookups without the e-mail in the URL', () => {
  it('POST /api/v1/consents/lookup answers like GET /<email>', async () => {
    const who = email('look');
    await signed('/api/v1/contacts', { email: who, newsletter: 'unsubscribe' });
    const answer = await signed('/api/v1/consents/lookup', { email: who });
    expect(answer).toMatchObject({ status: 200, body: { email: who, status: 'opt-out' } });
  });
});

describe('13. CORS answers the normalised origin', () => {
  it('never echoes a raw Origin such as https://evil.com@localhost', async () => {
    const res = await request('/e', { method: 'OPTIONS', headers: { Origin: 'http://evil.com@localhost:8788', 'Access-Control-Request-Method': 'POST' } });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:8788');
  });
});

describe('13. the setup page builds callback URLs from configuration', () => {
  it('uses WORKER_URL, whatever the Host header says, and explains browser signups', async () => {
    const bindings = { ...env, WORKER_URL: 'https://sm-edge.example.workers.dev' };
    const res = await request('http://evil.example/setup', { headers: { Authorization: basic(env.ADMIN_PASSWORD!) } }, bindings);
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('https://sm-edge.example.workers.dev/callbacks/opt-in');
    expect(page).not.toContain('evil.example');
    expect(page).toMatch(/id="browser-signups"[^>]*>[^<]*BROWSER_SIGNUP_OPT_IN/);
  });
});

describe('issue 12: shop-API validation', () => {
  it('refuses a negative value and a fractional quantity, naming each field', async () => {
    const answer = await signed('/api/v1/events', purchase({ value: -5, products: [{ id: 'a', quantity: 1.5 }] }));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('value: must not be negative; products[0].quantity: must be a whole number');
  });

  it('normalises currency codes and refuses codes outside ISO 4217', async () => {
    const ok = await signed('/api/v1/events', purchase({ currency: 'eur' }));
    expect(ok.status).toBe(202);
    const bad = await signed('/api/v1/events', purchase({ currency: 'ABC' }));
    expect(bad.body.error).toBe('currency: must be an ISO 4217 currency code, e.g. PLN or EUR');
  });

  it('tells each batch problem once, in our words', async () => {
    const answer = await signed('/api/v1/batch', { items: [{ type: 'purchase' }, { foo: 1 }, {}, 5] });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('items[0].kind, items[1].kind, items[2].kind: is required; items[3]: must be an object');
    expect(answer.body.error).not.toMatch(/Invalid|Expected/);
  });

  it('caps products per event at 1,000', async () => {
    const products = Array.from({ length: 1001 }, (_, i) => ({ id: `p${i}`, quantity: 1 }));
    const answer = await signed('/api/v1/events', purchase({ products }));
    expect(answer.body.error).toBe('products: must contain at most 1000 products');
  });
});

describe('callbacks with a weak CALLBACK_SECRET', () => {
  it('fail closed with 503', async () => {
    const who = email('cb');
    const res = await request(`/callbacks/opt-in?email=${who}&key=${await callbackKey(who, 'short')}`, { method: 'GET' }, { ...env, CALLBACK_SECRET: 'short' });
    expect(res.status).toBe(503);
  });
});
