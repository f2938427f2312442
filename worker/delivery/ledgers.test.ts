// The ledger split (ledger/databases.ts) on the write side: with LEDGER_DATABASES = 2 a contact's rows
// are written where its key says, by the shop API and by the consumer of its shard, and found there
// again; nothing of a contact's reaches the other database. Readers across databases: ledger/databases.test.ts.
import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from 'cloudflare:test';
import { env as bindings } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import type { QueueMessage } from '../queue/messages.ts';
import { emailIn, twoLedgers, visitorIn } from '../test/ledgers.ts';
import { browserEvent, consume, env, orderEvent, recordAccepted, shopContact, simEventsOf, simState } from '../test/delivery-fixtures.ts';
import { recordDeadLetters } from './dead-letters.ts';

const two = { ...twoLedgers(env), DELIVERY_WINDOW_S: '0' };
const [LEDGER_0, LEDGER_1] = [bindings.LEDGER, bindings.LEDGER_1];
/** Shard i's queue; with two shards over two databases, shard i writes database i. */
const queue = (i: number) => (i === 0 ? 'sm-edge-events' : `sm-edge-events-${i}`);

async function row(db: D1Database, id: string) {
  return db.prepare('SELECT status, attempts FROM deliveries WHERE id = ?').bind(id).first<{ status: string; attempts: number }>();
}

async function signedPost(path: string, body: unknown, at = Math.floor(Date.now() / 1000)) {
  const raw = JSON.stringify(body);
  const header = await sign(two.SHOP_API_SECRET!, at, 'POST', path, raw);
  const ctx = createExecutionContext();
  const res = await app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw }, two, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

const purchase = (orderId: string, email: string) => ({
  type: 'purchase',
  orderId,
  email,
  value: 50,
  currency: 'PLN',
  products: [{ id: 'sku-1', quantity: 1, price: 50 }],
  occurredAt: '2026-12-01T10:00:00+01:00',
});

describe('two ledger databases: the shop API', () => {
  it("writes an order's row in its e-mail's database; a re-post under another e-mail (another database) is a conflict, never a second row", async () => {
    const [a, b] = [emailIn(0, 'buyer'), emailIn(1, 'buyer')];
    const first = await signedPost('/api/v1/events', purchase(`L-${crypto.randomUUID()}`, a));
    const second = await signedPost('/api/v1/events', purchase(`L-${crypto.randomUUID()}`, b));
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(await row(LEDGER_0, String(first.body.id))).toMatchObject({ status: 'queued' });
    expect(await row(LEDGER_1, String(first.body.id))).toBeNull();
    expect(await row(LEDGER_1, String(second.body.id))).toMatchObject({ status: 'queued' });
    expect(await row(LEDGER_0, String(second.body.id))).toBeNull();
    // The second order again, now with the first's e-mail: its key names database 0.
    const orderId = String(second.body.id).split(':').pop()!;
    const again = await signedPost('/api/v1/events', purchase(orderId, a));
    expect(again).toMatchObject({ status: 409, body: { id: second.body.id, status: 'conflict', fields: ['email'] } });
    expect(await row(LEDGER_0, String(second.body.id))).toBeNull();
  });

  it("a replayed request meets its claim in its first item's database and records nothing", async () => {
    const at = Math.floor(Date.now() / 1000);
    const body = { items: [{ kind: 'event', ...purchase(`L-${crypto.randomUUID()}`, emailIn(1)) }] };
    expect((await signedPost('/api/v1/batch', body, at)).status).toBe(202);
    const claims = (db: D1Database) => db.prepare('SELECT COUNT(*) AS n FROM seen_signatures').first<{ n: number }>();
    const before = [await claims(LEDGER_0), await claims(LEDGER_1)];
    expect(await signedPost('/api/v1/batch', body, at)).toMatchObject({ status: 401 });
    expect([await claims(LEDGER_0), await claims(LEDGER_1)]).toEqual(before);
    expect(before[1]!.n).toBeGreaterThan(0);
  });

  it('a batch naming one order twice under two e-mails of two databases records it once', async () => {
    const orderId = `L-${crypto.randomUUID()}`;
    const res = await signedPost('/api/v1/batch', {
      items: [
        { kind: 'event', ...purchase(orderId, emailIn(1)) },
        { kind: 'event', ...purchase(orderId, emailIn(0)) },
      ],
    });
    expect(res.status).toBe(202);
    const items = res.body.items as { id: string; status: string }[];
    expect(items.map((i) => i.status)).toEqual(['queued', 'conflict']);
    expect(await row(LEDGER_1, items[0]!.id)).toMatchObject({ status: 'queued' });
    expect(await row(LEDGER_0, items[0]!.id)).toBeNull();
  });
  it('with LEDGER_DATABASES counting a database wrangler.toml does not declare, a signed order is refused with 503 naming it', async () => {
    const { LEDGER_1: _gone, ...undeclared } = two as typeof two & { LEDGER_1?: D1Database };
    const raw = JSON.stringify(purchase(`L-${crypto.randomUUID()}`, emailIn(1)));
    const header = await sign(two.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', '/api/v1/events', raw);
    const res = await app.request(
      '/api/v1/events',
      { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw },
      undeclared,
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('LEDGER_1 is not bound') });
  });
});

describe("two ledger databases: each shard's consumer writes its own", () => {
  it('delivers each visitor once from its database, with its visitor link there and nowhere else', async () => {
    const visitors = [visitorIn(0), visitorIn(1)];
    const emails = [emailIn(0, 'v'), emailIn(1, 'v')];
    const events = visitors.map((visitorId, i) => browserEvent('visit', { visitorId, email: emails[i] }));
    for (const i of [0, 1]) {
      const run = await consume([{ kind: 'events', events: [events[i]!] }], { env: two, queue: queue(i) });
      expect(run.acked.size).toBe(1);
    }
    for (const i of [0, 1]) {
      const [own, other] = i === 0 ? [LEDGER_0, LEDGER_1] : [LEDGER_1, LEDGER_0];
      expect(await row(own, events[i]!.id)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(await row(other, events[i]!.id)).toBeNull();
      const link = (db: D1Database) => db.prepare('SELECT email FROM visitor_links WHERE visitor_id = ?').bind(visitors[i]).first<{ email: string }>();
      expect(await link(own)).toMatchObject({ email: emails[i] });
      expect(await link(other)).toBeNull();
    }
    const stored = await simEventsOf(emails);
    expect(stored.map((e) => e.email).sort()).toEqual([...emails].sort());
  });

  it("an anonymous visitor's held event waits in its database and its login there releases it", async () => {
    const visitorId = visitorIn(1);
    const address = emailIn(0, 'anon');
    const visit = browserEvent('visit', { visitorId });
    await consume([{ kind: 'events', events: [visit] }], { env: two, queue: queue(1) });
    expect(await row(LEDGER_1, visit.id)).toMatchObject({ status: 'held' });
    const login = browserEvent('login', { visitorId, email: address, emailVerified: true });
    await consume([{ kind: 'events', events: [login] }], { env: two, queue: queue(1) });
    expect(await row(LEDGER_1, visit.id)).toMatchObject({ status: 'delivered' });
    expect(await row(LEDGER_0, visit.id)).toBeNull();
    expect((await simEventsOf([address])).length).toBeGreaterThanOrEqual(1);
  });

  it("a purchase from the shop closes the open cart that the visitor's consumer keeps in another database", async () => {
    const visitorId = visitorIn(1);
    const address = emailIn(0, 'cart');
    const cart = browserEvent('cart', { visitorId, email: address, products: [{ id: 'sku-2', quantity: 1, price: 20 }], value: 20, currency: 'PLN' });
    // A cart change settles on the queue first (delivery/carts.ts CART_SETTLE_S), then goes.
    const first = await consume([{ kind: 'events', events: [cart] }], { env: two, queue: queue(1) });
    expect(first.retried.size).toBe(1);
    await consume([{ kind: 'events', events: [cart] }], { env: two, queue: queue(1), attempts: 2 });
    const open = (db: D1Database) => db.prepare('SELECT event_id FROM open_carts WHERE contact_key = ?').bind(`email:${address}`).first();
    expect(await open(LEDGER_1)).not.toBeNull();
    const order = orderEvent('purchase', { email: address });
    const message: QueueMessage = { kind: 'events', events: [order] };
    await consume([message], { env: two, queue: queue(0) });
    expect(await row(LEDGER_0, order.id)).toMatchObject({ status: 'delivered' });
    expect(await open(LEDGER_1)).toBeNull();
  });

  it("a stranger's beacon, delivered from another database, still finds the shop's contact trusted", async () => {
    const address = emailIn(0, 'trusted');
    const real = { name: 'Anna Nowak', phone: '+48600100200' };
    const order: QueueMessage = { kind: 'events', events: [orderEvent('purchase', { email: address, ...real })] };
    await recordAccepted([order]);
    await consume([order], { env: two, queue: queue(0) });
    const offer = browserEvent('offer', { visitorId: visitorIn(1), email: address, emailVerified: false, name: 'Mallory', phone: '+48999999999' });
    const run = await consume([{ kind: 'events', events: [offer] }], { env: two, queue: queue(1) });
    expect(run.acked.size).toBe(1);
    expect(await row(LEDGER_1, offer.id)).toMatchObject({ status: 'delivered' });
    const contact = (await simState()).contacts.find((c) => c.email === address) as unknown as typeof real;
    expect(contact).toMatchObject(real);
  });

  it("what is no contact's stays in LEDGER when another database's shard delivers (a double opt-in's claim)", async () => {
    const address = emailIn(1, 'doi');
    const doi = { ...two, DOUBLE_OPT_IN: 'true', DOUBLE_OPT_IN_EMAIL_ID: 'doi-mail-1' };
    const message: QueueMessage = { kind: 'contacts', contacts: [shopContact({ email: address, newsletter: 'subscribe', trigger: 'newsletter' })] };
    const run = await consume([message], { env: doi, queue: queue(1) });
    expect(run.acked.size).toBe(1);
    const claims = (db: D1Database) => db.prepare('SELECT COUNT(*) AS n FROM double_opt_ins WHERE email = ?').bind(address).first<{ n: number }>();
    expect(await claims(LEDGER_0)).toEqual({ n: 1 });
    expect(await claims(LEDGER_1)).toEqual({ n: 0 });
  });

  it('with fewer queues declared than a multiple of the databases, a consumer delivers nothing and keeps every message', async () => {
    const { EVENTS_1: _gone, ...fewer } = two;
    const event = browserEvent('visit', { visitorId: visitorIn(0), email: emailIn(0) });
    const run = await consume([{ kind: 'events', events: [event] }], { env: fewer as typeof two, queue: queue(0) });
    expect(run.acked.size).toBe(0);
    expect(run.retried.size).toBe(1);
    expect(await row(LEDGER_0, event.id)).toBeNull();
  });

  it("records dead letters in each item's database", async () => {
    const events = [
      browserEvent('visit', { visitorId: visitorIn(0), email: emailIn(0) }),
      browserEvent('visit', { visitorId: visitorIn(1), email: emailIn(1) }),
    ];
    const batch = createMessageBatch<QueueMessage>('sm-edge-events-dlq', [{ id: 'd1', timestamp: new Date(), attempts: 1, body: { kind: 'events', events } }]);
    await recordDeadLetters(batch, two, 2);
    expect(await row(LEDGER_0, events[0]!.id)).toMatchObject({ status: 'dead' });
    expect(await row(LEDGER_1, events[1]!.id)).toMatchObject({ status: 'dead' });
    expect(await row(LEDGER_1, events[0]!.id)).toBeNull();
    expect(await row(LEDGER_0, events[1]!.id)).toBeNull();
  });
});
