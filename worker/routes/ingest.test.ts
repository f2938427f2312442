import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { itemId, itemsOf, type AcceptedEvent, type QueueMessage } from '../queue/messages.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from '../queue/send.ts';
import type { Env } from '../env.ts';
import { mintLoginToken } from '../identity/login-token.ts';
import { BOT_BEACONS, readCounter, resetPendingCounts } from '../ingest/counters.ts';
import { app } from '../index.ts';
import { consume, email, simEventsOf } from '../test/delivery-fixtures.ts';

const env: Env = workerEnv;
const SHOP = 'http://localhost:8788';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';

let counter = 0;
function visitorId(): string {
  counter += 1;
  return `v${crypto.randomUUID().replace(/-/g, '')}${counter}`.slice(0, 40);
}
function eventId(n = 0): string {
  return `ev${String(n).padStart(6, '0')}${crypto.randomUUID().slice(0, 8)}`;
}

/** Beacon format 2: {v, u: visitor, c?: smclient, p?: cart path, e: events}. */
function beacon(visitor: string, events: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return { v: 2, u: visitor, e: events, ...extra };
}
/** An event: {i: id, k: type, t: time, u?: url, h?: title, r?: referrer, ...the command's fields}. */
function event(type: string, n = 0, fields: Record<string, unknown> = {}) {
  return { i: eventId(n), k: type, t: Date.now(), ...fields };
}
function visit(n = 0, extra: Record<string, unknown> = {}) {
  return event('visit', n, { u: `${SHOP}/p/${n}`, h: 'Page', ...extra });
}

async function post(body: unknown, headers: Record<string, string> = {}, bindings: Env = env) {
  const ctx = createExecutionContext();
  const res = await app.request(
    '/e',
    {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: SHOP, 'User-Agent': BROWSER_UA, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

/**
 * What the route sent to the queue. The send is captured, not made: POST /e is queue-first and writes
 * nothing to D1, so the tests look at the messages, and run the consumer on them (consume) where the
 * ledger rows matter.
 */
let queue: { spy: MockInstance<Queue<QueueMessage>['sendBatch']>; messages: () => QueueMessage[] };
beforeEach(() => {
  const spy = vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockImplementation(async () => undefined as never);
  queue = { spy, messages: () => spy.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body)) };
});

/** The events queued for this visitor, each as the message of its ledger row, by id. */
function queuedFor(visitor: string) {
  return queue
    .messages()
    .flatMap(itemsOf)
    .flatMap((item) => (item.kind === 'event' && item.event.visitorId === visitor ? [item] : []))
    .map((message) => ({ id: message.event.id, type: message.event.type, message: message as QueueMessage }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The ledger rows of a visitor (written by the consumer). */
async function ledgerFor(visitor: string) {
  const { results } = await env.LEDGER.prepare('SELECT id, type, source, status, accepted_at, payload FROM deliveries WHERE visitor_id = ? ORDER BY id')
    .bind(visitor)
    .all<{ id: string; type: string; source: string; status: string; accepted_at: number; payload: string }>();
  return results;
}

function eventOf(message: QueueMessage): AcceptedEvent {
  if (message.kind !== 'event') throw new Error(`expected an event message, got ${message.kind}`);
  return message.event;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('POST /e: happy path', () => {
  it('accepts a beacon as ONE queue message, without a D1 write; the consumer records each event', async () => {
    const send = queue.spy;
    const prepare = vi.spyOn(env.LEDGER, 'prepare');
    const visitor = visitorId();
    const events = [
      visit(1),
      event('cart', 2, { products: [{ id: 'sku-1', name: 'Mug', quantity: 2, price: 19.5 }], value: 39, currency: 'pln' }),
      event('newsletter', 3, { email: ' Anna@Example.COM ' }),
    ];
    const res = await post(beacon(visitor, events, { c: 'abc-123' }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 3, rejected: [] });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(SHOP);
    // The smclient cookie is there: no visitor_links lookup, and nothing else touches D1.
    expect(prepare).not.toHaveBeenCalled();
    expect(await ledgerFor(visitor)).toEqual([]);

    const rows = queuedFor(visitor);
    expect(rows.map((r) => r.id).sort()).toEqual(events.map((e) => `b:${visitor}:${e.i}`).sort());
    const cart = rows.find((r) => r.type === 'cart')!;
    expect(eventOf(cart.message)).toMatchObject({
      source: 'browser',
      visitorId: visitor,
      contactId: 'abc-123',
      currency: 'PLN',
      value: 39,
      products: [{ id: 'sku-1', name: 'Mug', quantity: 2, price: 19.5 }],
    });
    const newsletter = eventOf(rows.find((r) => r.type === 'newsletter')!.message);
    expect(newsletter).toMatchObject({ email: 'anna@example.com', emailVerified: false });

    // One queue message for the whole beacon; the consumer writes one ledger row per event, dated
    // when the beacon was received.
    expect(send).toHaveBeenCalledTimes(1);
    const [message, ...more] = [...send.mock.calls[0]![0]].map((m) => m.body);
    expect(more).toEqual([]);
    expect(message?.kind).toBe('events');
    expect(itemsOf(message!).map(itemId).sort()).toEqual(rows.map((r) => r.id).sort());
    const receivedAt = eventOf(rows[0]!.message).receivedAt;
    await consume([message!]);
    const recorded = await ledgerFor(visitor);
    expect(recorded.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    for (const r of recorded) {
      expect(r).toMatchObject({ source: 'browser', accepted_at: receivedAt });
      expect(JSON.parse(r.payload)).toEqual(rows.find((q) => q.id === r.id)!.message);
    }
  });

  it.each([
    ['in one consumer batch', true],
    ['in two consumer batches', false],
  ])('delivers a retried beacon (same ids, two messages) once, with one ledger row per event: %s', async (_name, together) => {
    const visitor = visitorId();
    const typed = email('retried');
    const body = beacon(visitor, [event('newsletter', 1, { email: typed }), visit(2)]);
    expect((await post(body)).status).toBe(202);
    const again = await post(body);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ accepted: 2, rejected: [] });
    const messages = queue.messages();
    expect(messages).toHaveLength(2);
    expect(itemsOf(messages[1]!).map(itemId)).toEqual(itemsOf(messages[0]!).map(itemId));

    if (together) await consume(messages);
    else for (const m of messages) await consume([m]);

    const rows = await ledgerFor(visitor);
    expect(rows.map((r) => r.id)).toEqual(
      queuedFor(visitor)
        .map((q) => q.id)
        .filter((id, i, all) => all.indexOf(id) === i),
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    const stored = await simEventsOf([typed]);
    expect(stored.map((e) => e.contactExtEventType).sort()).toEqual(['OTHER', 'VISIT']);
  });

  it('ignores unknown fields, at the top and in events', async () => {
    const visitor = visitorId();
    const res = await post({ ...beacon(visitor, [visit(1, { colour: 'red', nested: { a: 1 } })]), future: true });
    expect(res.status).toBe(202);
    const [row] = queuedFor(visitor);
    expect(JSON.stringify(row!.message)).not.toMatch(/colour|nested|future/);
  });

  it('answers the contactId the visitor is linked to', async () => {
    const visitor = visitorId();
    await env.LEDGER.prepare('INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at) VALUES (?, ?, ?, 1, ?)')
      .bind(visitor, 'jan@example.com', 'contact-42', Date.now())
      .run();
    const res = await post(beacon(visitor, [visit(1)]));
    expect(await res.json()).toEqual({ accepted: 1, rejected: [], contactId: 'contact-42' });
  });

  it('answers no contactId while the link has no SALESmanago id yet', async () => {
    const visitor = visitorId();
    await env.LEDGER.prepare('INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at) VALUES (?, ?, NULL, 0, ?)')
      .bind(visitor, 'jan@example.com', Date.now())
      .run();
    expect(await (await post(beacon(visitor, [visit(1)]))).json()).toEqual({ accepted: 1, rejected: [] });
  });

  it('answers only an id-shaped contactId (the tracker puts it into a cookie as it is)', async () => {
    for (const stored of ['x;domain=evil.example', 'a b', 'x'.repeat(65)]) {
      const visitor = visitorId();
      await env.LEDGER.prepare('INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at) VALUES (?, ?, ?, 1, ?)')
        .bind(visitor, 'jan@example.com', stored, Date.now())
        .run();
      expect(await (await post(beacon(visitor, [visit(1)]))).json()).toEqual({ accepted: 1, rejected: [] });
    }
  });

  it('accepts the Referer when there is no Origin header, and subdomains of a registered domain', async () => {
    const viaReferer = await post(beacon(visitorId(), [visit(1)]), { Origin: '', Referer: 'http://localhost:3000/cart?x=1' });
    expect(viaReferer.status).toBe(202);
    const sub = await post(beacon(visitorId(), [visit(1)]), { Origin: 'https://www.localhost' });
    expect(sub.status).toBe(202);
    expect(sub.headers.get('Access-Control-Allow-Origin')).toBe('https://www.localhost');
  });

  it('keeps a plausible client time and replaces an implausible one with the receive time', async () => {
    const visitor = visitorId();
    const past = Date.now() - 3600_000;
    await post(beacon(visitor, [visit(1, { t: past }), visit(2, { t: 1 })]));
    const times = queuedFor(visitor).map((r) => eventOf(r.message).occurredAt);
    expect(times).toContain(past);
    expect(times.every((t) => t >= past)).toBe(true);
  });
});

describe('POST /e: origin and CORS', () => {
  it('refuses a request without Origin or Referer with 403', async () => {
    const res = await post(beacon(visitorId(), [visit()]), { Origin: '' });
    expect(res.status).toBe(403);
    expect((await res.json<{ error: string }>()).error).toMatch(/Origin/);
  });

  it('refuses a foreign origin with 403 and no CORS headers', async () => {
    for (const origin of ['https://evil.example', 'http://notlocalhost', 'http://localhost.evil.example', 'null']) {
      const res = await post(beacon(visitorId(), [visit()]), { Origin: origin });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('Access-Control-Allow-Origin'), origin).toBeNull();
    }
  });

  it('refuses a foreign Referer when Origin is absent', async () => {
    const res = await post(beacon(visitorId(), [visit()]), { Origin: '', Referer: 'https://evil.example/page' });
    expect(res.status).toBe(403);
  });

  it('answers the preflight only for registered origins', async () => {
    const preflight = (origin: string) =>
      app.request(
        '/e',
        { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } },
        env,
      );
    const ok = await preflight('http://127.0.0.1:5173');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('Access-Control-Allow-Origin')).toBe('http://127.0.0.1:5173');
    expect(ok.headers.get('Access-Control-Allow-Methods')).toContain('POST');
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('puts CORS headers on error answers to a registered origin, so the tracker can read them', async () => {
    const res = await post('{"v":1', {});
    expect(res.status).toBe(400);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(SHOP);
  });
});

describe('POST /e: size and shape', () => {
  it('refuses a body over 32 KB with 413', async () => {
    const res = await post(beacon(visitorId(), [visit(1, { h: 'x'.repeat(33 * 1024) })]));
    expect(res.status).toBe(413);
    expect((await res.json<{ error: string }>()).error).toMatch(/32 KB/);
  });

  it('refuses a chunked body over 32 KB with 413 too', async () => {
    const big = new TextEncoder().encode(JSON.stringify(beacon(visitorId(), [visit(1, { h: 'x'.repeat(40 * 1024) })])));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 8192) controller.enqueue(big.slice(i, i + 8192));
        controller.close();
      },
    });
    const res = await app.request(
      '/e',
      { method: 'POST', headers: { Origin: SHOP, 'User-Agent': BROWSER_UA }, body: stream, duplex: 'half' } as RequestInit,
      env,
    );
    expect(res.status).toBe(413);
  });

  it('accepts 50 events as ONE queue message (50 ledger rows), and refuses 51 with 400', async () => {
    const send = queue.spy;
    const visitor = visitorId();
    const fifty = Array.from({ length: 50 }, (_, i) => visit(i, { h: 'Ł'.repeat(60), u: `${SHOP}/p/${'x'.repeat(200)}` }));
    expect((await post(beacon(visitor, fifty))).status).toBe(202);
    const rows = queuedFor(visitor);
    expect(rows).toHaveLength(50);
    expect(send).toHaveBeenCalledTimes(1);
    const sent = [...send.mock.calls[0]![0]].map((m) => m.body);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'events' });
    expect(messageBytes(sent[0]!)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(itemsOf(sent[0]!).map(itemId)).toEqual(fifty.map((e) => `b:${visitor}:${e.i}`));
    // A retried beacon with one new event is queued whole; the consumer records only the new one.
    const late = visit(99);
    expect((await post(beacon(visitor, [...fifty.slice(0, 49), late]))).status).toBe(202);
    expect(send).toHaveBeenCalledTimes(2);
    await consume(queue.messages());
    expect((await ledgerFor(visitor)).map((r) => r.id).sort()).toEqual([...fifty, late].map((e) => `b:${visitor}:${e.i}`).sort());
    const res = await post(beacon(visitorId(), [...fifty, visit(51)]));
    expect(res.status).toBe(400);
    expect((await res.json<{ error: string }>()).error).toBe('e: must contain at most 50 events per request');
  });

  it.each([
    ['not JSON', '{"v":', 'body: is not valid JSON'],
    ['empty', '', 'body: is empty'],
    ['an array', '[]', 'body: must be a JSON object'],
  ])('refuses a body that is %s with 400', async (_name, body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect((await res.json<{ error: string }>()).error).toContain(message);
  });

  it.each([
    [{ v: 1 }, 'v: must be 2'],
    [{ u: 'short' }, 'u: must be 16-64 characters'],
    [{ u: undefined }, 'u: is required'],
    [{ e: [] }, 'e: must contain at least one event'],
    [{ e: { 0: {} } }, 'e: must be an array of events'],
  ])('refuses an envelope %j with 400 naming the field', async (patch, message) => {
    const res = await post({ ...beacon(visitorId(), [visit(0)]), ...patch });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: string }>()).error).toContain(message);
  });

  it.each([
    [{ i: 'x', k: 'visit', t: 1 }, 'e[0].i: must be 8-64 characters'],
    [{ i: 'abcdefgh', k: 'purchase', t: 1 }, 'e[0].k: must be one of visit, cart, login'],
    [{ i: 'abcdefgh', t: 1 }, 'e[0].k: must be one of visit, cart, login'],
    [{ i: 'abcdefgh', k: 'visit' }, 'e[0].t: is required'],
    [42, 'e[0]: must be a JSON object'],
    [{ i: 'abcdefgh', k: 'login', t: 1 }, 'e[0].token: is required'],
    [{ i: 'abcdefgh', k: 'login', t: 1, token: ' ' }, 'e[0].token: is required'],
    [{ i: 'abcdefgh', k: 'newsletter', t: 1 }, 'e[0].email: is required'],
    [{ i: 'abcdefgh', k: 'survey', t: 1, email: 'not-an-email' }, 'e[0].email: must be a valid e-mail address'],
    [{ i: 'abcdefgh', k: 'cart', t: 1, currency: 'zloty' }, 'e[0].currency: must be a 3-letter currency code'],
    [{ i: 'abcdefgh', k: 'cart', t: 1, value: 'ten' }, 'e[0].value: must be a number'],
    [{ i: 'abcdefgh', k: 'cart', t: 1, products: 'A' }, 'e[0].products: must be an array of products'],
    [{ i: 'abcdefgh', k: 'cart', t: 1, products: [null] }, 'e[0].products[0]: must be an object'],
    [{ i: 'abcdefgh', k: 'cart', t: 1, products: [{ quantity: 1 }] }, 'e[0].products[0].id: is required'],
    [{ i: 'abcdefgh', k: 'offer', t: 1, products: [{ id: 'A', quantity: 'many' }] }, 'e[0].products[0].quantity: must be a number'],
    [{ i: 'abcdefgh', k: 'offer', t: 1, products: [{ id: 'A', price: -1 }] }, 'e[0].products[0].price: must not be negative'],
  ])('refuses a beacon whose only event is %j with 400 naming the field', async (only, message) => {
    const res = await post(beacon(visitorId(), [only as Record<string, unknown>]));
    expect(res.status).toBe(400);
    expect((await res.json<{ error: string }>()).error).toContain(message);
  });

  it('ignores a malformed smclient cookie instead of refusing the beacon', async () => {
    const visitor = visitorId();
    const res = await post(beacon(visitor, [visit(1)], { c: '<script>' }));
    expect(res.status).toBe(202);
    const [row] = queuedFor(visitor);
    expect(eventOf(row!.message).contactId).toBeUndefined();
  });
});

describe('POST /e: each event on its own', () => {
  it('accepts the valid events of a beacon and names the rejected ones by index', async () => {
    const visitor = visitorId();
    const events = [
      visit(0),
      event('newsletter', 1, { email: 'not-an-email' }),
      event('cart', 2, { products: [{ id: 'A', quantity: 0 }] }),
      event('survey', 3, { email: 'ok@example.com' }),
      event('purchase', 4),
    ];
    const res = await post(beacon(visitor, events));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, error: 'e[1].email: must be a valid e-mail address' },
        { index: 2, error: 'e[2].products[0].quantity: must be greater than 0' },
        { index: 4, error: 'e[4].k: must be one of visit, cart, login, offer, newsletter, survey, view' },
      ],
    });
    expect(
      queuedFor(visitor)
        .map((r) => r.id)
        .sort(),
    ).toEqual([events[0]!.i, events[3]!.i].map((i) => `b:${visitor}:${i}`).sort());
  });

  it('refuses a beacon none of whose events is valid with 400, naming the first problem', async () => {
    const visitor = visitorId();
    const res = await post(beacon(visitor, [event('login', 0), event('newsletter', 1, { email: '' })]));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'e[0].token: is required' });
    expect(queue.spy).not.toHaveBeenCalled();
  });

  it('coerces what a theme gives: numbers from strings, ids and phone numbers to strings, quantity 1 by default', async () => {
    const visitor = visitorId();
    const cart = event('cart', 1, {
      products: [
        { id: 17, name: 'Kubek', quantity: '2', price: '19.90', color: 'red' },
        { id: 'B', name: 404, price: null },
        { id: ' C ', quantity: null, price: '' },
      ],
      value: ' 39.80 ',
      currency: 'pln',
      email: 'ignored-on-a-cart@example.com',
    });
    const survey = event('survey', 2, { email: 'A@B.PL', phone: 500600700, name: '', company: null, message: '  Hi  ', token: 'x' });
    const offer = event('offer', 3, { email: '', message: 'Quote', products: [] });
    expect((await post(beacon(visitor, [cart, survey, offer]))).status).toBe(202);
    const rows = queuedFor(visitor);
    const byType = (t: string) => eventOf(rows.find((r) => r.type === t)!.message);
    const accepted = byType('cart');
    expect(accepted.products).toEqual([
      { id: '17', name: 'Kubek', quantity: 2, price: 19.9 },
      { id: 'B', name: '404', quantity: 1 },
      { id: 'C', quantity: 1 },
    ]);
    expect(accepted).toMatchObject({ value: 39.8, currency: 'PLN' });
    expect(accepted.email).toBeUndefined();
    expect(JSON.stringify(accepted)).not.toMatch(/"color"|"red"/);
    const s = byType('survey');
    expect(s).toMatchObject({ email: 'a@b.pl', phone: '500600700', message: 'Hi' });
    expect(s.name).toBeUndefined();
    expect(s.company).toBeUndefined();
    expect(JSON.stringify(s)).not.toContain('token');
    const o = byType('offer');
    expect(o).toMatchObject({ message: 'Quote' });
    expect(o.email).toBeUndefined();
    expect(o.products).toBeUndefined();
  });

  it('accepts an emptied cart (no products) as a cart worth 0', async () => {
    const visitor = visitorId();
    const res = await post(beacon(visitor, [event('cart', 1, { products: [] })]));
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] });
    const [row] = queuedFor(visitor);
    expect(eventOf(row!.message)).toMatchObject({ type: 'cart', products: [], value: 0 });
  });

  it('records a Cart with each Visit under the cart path (p), once, also on a retried beacon', async () => {
    const visitor = visitorId();
    const visits = [
      visit(1, { u: `${SHOP}/koszyk` }),
      visit(2, { u: `${SHOP}/koszyk/krok-2?x=1` }),
      visit(3, { u: `${SHOP}/produkt/koszyk` }),
      visit(4, { u: 'not a url' }),
    ];
    const body = beacon(visitor, visits, { p: '/koszyk' });
    expect(await (await post(body)).json()).toEqual({ accepted: 4, rejected: [] });
    expect(await (await post(body)).json()).toEqual({ accepted: 4, rejected: [] });
    await consume(queue.messages());
    expect(await ledgerFor(visitor)).toHaveLength(6);
    const rows = queuedFor(visitor).filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i);
    expect(rows).toHaveLength(6);
    const carts = rows.filter((r) => r.type === 'cart');
    expect(carts.map((r) => r.id).sort()).toEqual([`b:${visitor}:${visits[0]!.i}:cart`, `b:${visitor}:${visits[1]!.i}:cart`]);
    expect(eventOf(carts.find((r) => r.id.includes(visits[0]!.i))!.message)).toMatchObject({ type: 'cart', url: `${SHOP}/koszyk`, title: 'Page' });
  });

  it('records no Cart without a cart path, and ignores a malformed one', async () => {
    for (const extra of [{}, { p: 'koszyk' }, { p: 42 }, { p: '' }]) {
      const visitor = visitorId();
      expect((await post(beacon(visitor, [visit(1, { u: `${SHOP}/koszyk` })], extra))).status).toBe(202);
      expect(queuedFor(visitor).map((r) => r.type)).toEqual(['visit']);
    }
  });

  it('tidies the separators the tracker leaves where it removed a parameter', async () => {
    const visitor = visitorId();
    await post(
      beacon(visitor, [visit(1, { u: `${SHOP}/p?id=7&`, r: 'https://mail.example/?' }), visit(2, { u: `${SHOP}/p?#top` }), visit(3, { u: `${SHOP}/cb#` })]),
    );
    const urls = queuedFor(visitor).map((r) => eventOf(r.message));
    expect(urls.map((e) => e.url)).toEqual([`${SHOP}/p?id=7`, `${SHOP}/p#top`, `${SHOP}/cb`]);
    expect(urls[0]!.referrer).toBe('https://mail.example/');
  });
});

describe('POST /e: rate limits', () => {
  it('answers 429 once the visitor is over its limit (the real binding)', async () => {
    const visitor = visitorId();
    let allowed = 0;
    while ((await env.RATE_LIMIT_VISITOR.limit({ key: `visitor:${visitor}` })).success) {
      allowed += 1;
      if (allowed > 1000) throw new Error('limiter never refused');
    }
    const res = await post(beacon(visitor, [visit(1)]));
    expect(res.status).toBe(429);
    expect(res.headers.get('Retry-After')).toBe('60');
    expect(queue.spy).not.toHaveBeenCalled();
    // Another visitor is not affected.
    expect((await post(beacon(visitorId(), [visit(1)]))).status).toBe(202);
  });

  it('answers 429 once the IP address is over its limit (the real binding)', async () => {
    const ip = `203.0.113.${(Date.now() % 200) + 1}`;
    let allowed = 0;
    while ((await env.RATE_LIMIT_IP.limit({ key: `ip:${ip}` })).success) {
      allowed += 1;
      if (allowed > 5000) throw new Error('limiter never refused');
    }
    const res = await post(beacon(visitorId(), [visit(1)]), { 'CF-Connecting-IP': ip });
    expect(res.status).toBe(429);
    expect((await res.json<{ error: string }>()).error).toMatch(/IP address/);
    expect((await post(beacon(visitorId(), [visit(1)]), { 'CF-Connecting-IP': '198.51.100.7' })).status).toBe(202);
  });

  it('lets requests through when the limiter itself fails', async () => {
    const broken = { limit: () => Promise.reject(new Error('limiter down')) } as unknown as RateLimit;
    const res = await post(
      beacon(visitorId(), [visit(1)]),
      { 'CF-Connecting-IP': '198.51.100.8' },
      { ...env, RATE_LIMIT_IP: broken, RATE_LIMIT_VISITOR: broken },
    );
    expect(res.status).toBe(202);
  });
});

describe('POST /e: bots', () => {
  it('drops beacons of known bots and counts them', async () => {
    // Another file's bot in this isolate may have flushed within the minute: this drop must be the first.
    resetPendingCounts();
    const before = await readCounter(env.LEDGER, BOT_BEACONS);
    const visitor = visitorId();
    const send = queue.spy;
    const res = await post(beacon(visitor, [visit(1)]), { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 0, rejected: [] });
    expect(send).not.toHaveBeenCalled();
    expect(await readCounter(env.LEDGER, BOT_BEACONS)).toBe(before + 1);
  });
});

describe('POST /e: login tokens', () => {
  const secret = env.SHOP_API_SECRET!;
  const nowS = () => Math.floor(Date.now() / 1000);
  const login = async (token: string, extra: Record<string, unknown> = {}) => {
    const visitor = visitorId();
    const res = await post(beacon(visitor, [event('login', 1, { token, ...extra })]));
    expect(res.status).toBe(202);
    const [row] = queuedFor(visitor);
    return eventOf(row!.message);
  };

  it('a valid token identifies the visitor with a verified e-mail', async () => {
    const accepted = await login(await mintLoginToken(secret, 'Ewa.Nowak@Example.com', nowS() + 600));
    expect(accepted).toMatchObject({ type: 'login', email: 'ewa.nowak@example.com', emailVerified: true });
  });

  it('an expired token identifies no one, but the login is still accepted', async () => {
    const accepted = await login(await mintLoginToken(secret, 'ewa@example.com', nowS() - 1));
    expect(accepted.type).toBe('login');
    expect(accepted.email).toBeUndefined();
    expect(accepted.emailVerified).toBeUndefined();
  });

  it('a forged token (other key, or an edited e-mail) identifies no one', async () => {
    const other = await mintLoginToken('another-secret-of-16+', 'ewa@example.com', nowS() + 600);
    expect((await login(other)).email).toBeUndefined();
    const genuine = await mintLoginToken(secret, 'ewa@example.com', nowS() + 600);
    const [, exp, sig] = genuine.split('.');
    const edited = `${btoa('boss@example.com').replace(/=+$/, '')}.${exp}.${sig}`;
    expect((await login(edited)).email).toBeUndefined();
    expect((await login('garbage')).email).toBeUndefined();
  });

  it('an e-mail field on a login is ignored: only the token identifies', async () => {
    const accepted = await login('garbage', { email: 'spoof@example.com' });
    expect(accepted.email).toBeUndefined();
  });
  // A login without any token is refused (see "refuses a beacon whose only event is ...").
});

describe('POST /e: platform failures', () => {
  it('answers 503 with Retry-After when the queue refuses the beacon, and records nothing', async () => {
    queue.spy.mockRejectedValue(new Error('queue down'));
    const visitor = visitorId();
    const res = await post(beacon(visitor, [visit(1), visit(2)]));
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await res.json<{ error: string }>()).error).toMatch(/queue .*retry/);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(SHOP);
    expect(queue.spy).toHaveBeenCalledTimes(1);
    // Nothing half-recorded: no ledger row that a replay or the consumer could pick up.
    expect(await ledgerFor(visitor)).toEqual([]);
  });

  it('still accepts beacons when D1 is down (only the contactId answer needs it)', async () => {
    const ledger = {
      prepare: () => {
        throw new Error('D1 down');
      },
      batch: () => Promise.reject(new Error('D1 down')),
    } as unknown as D1Database;
    const visitor = visitorId();
    const res = await post(beacon(visitor, [visit(1)]), {}, { ...env, LEDGER: ledger });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] });
    expect(queuedFor(visitor)).toHaveLength(1);
  });
});

describe("POST /e: the visitor's contactId", () => {
  /** Counts the statements on visitor_links made through the D1 session the lookup reads from (ledger/sessions.ts). */
  function spyLookups(): () => number {
    const sql: string[] = [];
    const open = env.LEDGER.withSession.bind(env.LEDGER);
    vi.spyOn(env.LEDGER, 'withSession').mockImplementation((constraint) => {
      const session = open(constraint);
      const prepare = session.prepare.bind(session);
      session.prepare = (query: string) => (sql.push(query), prepare(query));
      return session;
    });
    return () => sql.filter((q) => q.includes('visitor_links')).length;
  }

  it('is looked up only when the beacon carries no smclient cookie', async () => {
    const visitor = visitorId();
    await env.LEDGER.prepare('INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at) VALUES (?, ?, ?, 1, ?)')
      .bind(visitor, 'jan@example.com', 'contact-43', Date.now())
      .run();
    const lookups = spyLookups();
    expect(await (await post(beacon(visitor, [visit(1)], { c: 'contact-43' }))).json()).toEqual({ accepted: 1, rejected: [] });
    expect(lookups()).toBe(0);
    // A malformed cookie is no cookie: looked up (and answered) as for a visitor without one.
    expect(await (await post(beacon(visitor, [visit(2)], { c: 'x;y' }))).json()).toEqual({ accepted: 1, rejected: [], contactId: 'contact-43' });
    expect(lookups()).toBe(1);
  });

  it('is looked up while the beacon is being queued, not after', async () => {
    let sent!: () => void;
    queue.spy.mockImplementation(() => new Promise<never>((resolve) => (sent = () => resolve(undefined as never))));
    const lookups = spyLookups();
    const answer = post(beacon(visitorId(), [visit(1)]));
    await vi.waitFor(() => expect(lookups()).toBe(1));
    expect(queue.spy).toHaveBeenCalledTimes(1);
    sent();
    expect((await answer).status).toBe(202);
  });
});

describe('POST /e through the worker entry point', () => {
  it('answers 202 via exports.default.fetch', async () => {
    const { exports } = await import('cloudflare:workers');
    const res = await (exports as unknown as { default: Fetcher }).default.fetch('http://sm-edge.test/e', {
      method: 'POST',
      headers: { Origin: SHOP, 'Content-Type': 'text/plain' },
      body: JSON.stringify(beacon(visitorId(), [visit(1)])),
    });
    expect(res.status).toBe(202);
  });
});
