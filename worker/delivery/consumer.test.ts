// The queue consumer against the shared SALESmanago simulator (no injected faults here: see
// faults.test.ts). Every test uses its own e-mails, visitors and ids.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../config.ts';
import { SalesmanagoClient } from '../salesmanago/client.ts';
import { SalesmanagoError } from '../salesmanago/errors.ts';
import { deliver } from './deliver.ts';
import type { WorkItem } from './work.ts';
import { cleanUp, handleScheduled } from './scheduled.ts';
import {
  asContact,
  asEvent,
  browserEvent,
  consume,
  email,
  env,
  ledger,
  ledgerMany,
  orderEvent,
  recordAccepted,
  shopContact,
  simContact,
  simEventsOf,
  simState,
  uid,
} from '../test/delivery-fixtures.ts';
import { itemId, itemsOf, type QueueMessage } from '../queue/messages.ts';

/** Records SALESmanago paths the consumer calls, in order (fetch is passed through to the simulator). */
function watchCalls(): () => string[] {
  const spy = vi.spyOn(globalThis, 'fetch');
  return () =>
    spy.mock.calls
      .map(([input]) => new URL(input instanceof Request ? input.url : String(input)))
      .filter((u) => u.origin === new URL(env.SALESMANAGO_ENDPOINT ?? '').origin && u.pathname.startsWith('/api/'))
      .map((u) => u.pathname);
}

afterEach(() => {
  vi.restoreAllMocks();
});

async function accept(...messages: QueueMessage[]) {
  await recordAccepted(messages);
  return consume(messages);
}

describe('delivery of events and contacts', () => {
  it('upserts the contact (tags, no-change) before its purchase event, then acks and records it', async () => {
    const calls = watchCalls();
    const purchase = orderEvent('purchase');
    const buyer = purchase.email!;
    const run = await accept(asEvent(purchase));

    expect(run.acked.has(run.ids[0]!)).toBe(true);
    expect(run.retried.size).toBe(0);
    expect(calls()).toEqual(['/api/contact/batchupsert', '/api/v2/contact/addBatchContactExtEvent']);

    const row = await ledger(purchase.id);
    expect(row).toMatchObject({ status: 'delivered', contact: buyer, attempts: 1, last_error: null });
    const [event, ...others] = await simEventsOf([buyer]);
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      contactExtEventType: 'PURCHASE',
      externalId: purchase.order!.orderId,
      products: 'sku-1',
      description: 'blik',
      location: 'sm_edge_demo',
      details: { detail1: 'Kubek', detail2: purchase.order!.orderId, detail3: '2', detail5: 'courier', detail9: 'PLN', detail13: 'guest' },
    });
    const contact = await simContact(buyer);
    // The contact existed (with the purchase tags) before the event was stored for it.
    expect(contact?.tags).toEqual(['GUEST_PURCHASE']);
    expect(contact!.createdAt).toBeLessThanOrEqual(event!.createdAt);
    expect(event!.contactId).toBe(contact!.contactId);
    expect(contact?.optIn).toBe('unknown');
  });

  it('a purchase by a subscriber keeps the subscription (no-change never opts out)', async () => {
    const address = email('sub');
    await accept(asContact(shopContact({ email: address, newsletter: 'subscribe', trigger: 'newsletter' })));
    expect((await simContact(address))?.optIn).toBe('opt-in');
    await accept(asEvent(orderEvent('purchase', { email: address, order: { orderId: uid('O'), loggedIn: true } })));
    const contact = await simContact(address);
    expect(contact?.optIn).toBe('opt-in');
    expect(contact?.tags).toEqual(['NEWSLETTER', 'PURCHASE']);
  });

  it('shop contacts: registration tags, explicit unsubscribe', async () => {
    const address = email('reg');
    const reg = shopContact({ email: address, trigger: 'registration', name: 'Ala Nowak' });
    const run = await accept(asContact(reg));
    expect(run.acked.size).toBe(1);
    expect(await ledger(reg.id)).toMatchObject({ status: 'delivered', type: 'contact', contact: address });
    expect(await simContact(address)).toMatchObject({ tags: ['REGISTRATION'], name: 'Ala Nowak', optIn: 'unknown' });
    await accept(asContact(shopContact({ email: address, newsletter: 'unsubscribe', trigger: 'update' })));
    expect((await simContact(address))?.optIn).toBe('opt-out');
  });

  it('dedupes by event id: the same message twice (in two batches and within one) is one event', async () => {
    const visit = browserEvent('visit', { email: email('dup'), emailVerified: false });
    await recordAccepted([asEvent(visit)]);
    const first = await consume([asEvent(visit), asEvent(visit)]);
    expect(first.acked.size).toBe(2);
    const calls = watchCalls();
    const second = await consume([asEvent(visit)]);
    expect(second.acked.size).toBe(1);
    expect(calls()).toEqual([]); // already delivered: no SALESmanago call at all
    const events = await simEventsOf([visit.email!]);
    expect(events.filter((e) => e.externalId === visit.id)).toHaveLength(1);
    expect((await ledger(visit.id))?.attempts).toBe(1);
  });

  it('records a permanent refusal as failed with its reason, acked and not retried', async () => {
    const stranger = browserEvent('visit', { contactId: crypto.randomUUID(), visitorId: uid('vis') });
    const run = await accept(asEvent(stranger));
    expect(run.acked.size).toBe(1);
    expect(run.retried.size).toBe(0);
    const row = await ledger(stranger.id);
    expect(row?.status).toBe('failed');
    expect(row?.last_error).toContain(stranger.contactId);
    expect(row?.last_error).toMatch(/failedContacts/);
  });

  it('holds messages while SALESmanago is not configured (long delay, not failed)', async () => {
    const calls = watchCalls();
    const visit = browserEvent('visit', { email: email('nc') });
    await recordAccepted([asEvent(visit)]);
    const run = await consume([asEvent(visit)], { env: { ...env, SALESMANAGO_CLIENT_ID: '' }, attempts: 2 });
    expect(run.acked.size).toBe(0);
    expect(run.retried.get(run.ids[0]!)).toBe(1200);
    expect(calls()).toEqual([]);
    const row = await ledger(visit.id);
    expect(row?.status).toBe('queued');
    expect(row?.last_error).toMatch(/SALESMANAGO_CLIENT_ID is not set/);
  });

  it('hands consent webhooks to deliverConsentWebhook: retried when the shop is unreachable', async () => {
    const change = { id: uid('wh'), email: email('wh'), status: 'opt-in' as const, changedAt: Date.now(), source: 'salesmanago' };
    const none = await consume([{ kind: 'consent-webhook', change }]); // no SHOP_WEBHOOK_URL: nothing to push
    expect(none.acked.size).toBe(1);
    expect(await ledger(change.id)).toMatchObject({ status: 'delivered', type: 'consent-webhook' });

    const other = { ...change, id: uid('wh') };
    const failing = await consume([{ kind: 'consent-webhook', change: other }], {
      env: { ...env, SHOP_WEBHOOK_URL: `${env.SALESMANAGO_ENDPOINT}/__sim/no-such-hook` },
    });
    expect(failing.acked.size).toBe(0);
    expect(failing.retried.get(failing.ids[0]!)).toBeGreaterThanOrEqual(15);
    expect((await ledger(other.id))?.last_error).toMatch(/consent webhook: .*HTTP 404/);
  });
});

describe('identity', () => {
  it('holds events of an anonymous visitor and delivers them when a verified login identifies it', async () => {
    const visitor = uid('vis');
    const visits = [1, 2, 3].map((n) => browserEvent('visit', { visitorId: visitor, occurredAt: Date.now() + n }));
    const calls = watchCalls();
    const first = await accept(...visits.map(asEvent));
    expect(first.acked.size).toBe(3);
    expect(calls()).toEqual([]);
    for (const v of visits) expect((await ledger(v.id))?.status).toBe('held');

    const who = email('login');
    const login = browserEvent('login', { visitorId: visitor, email: who, emailVerified: true });
    const second = await accept(asEvent(login));
    expect(second.acked.size).toBe(1);
    const rows = await ledgerMany([...visits, login].map((e) => e.id));
    for (const row of rows.values()) expect(row).toMatchObject({ status: 'delivered', contact: who });
    const events = await simEventsOf([who]);
    expect(events.map((e) => e.externalId).sort()).toEqual([...visits, login].map((e) => e.id).sort());

    const link = await env.LEDGER.prepare('SELECT * FROM visitor_links WHERE visitor_id = ?')
      .bind(visitor)
      .first<{ email: string; contact_id: string; verified: number }>();
    const contact = await simContact(who);
    expect(link).toMatchObject({ email: who, verified: 1, contact_id: contact?.contactId });

    // Later events of the visitor go straight to the contact.
    const later = browserEvent('visit', { visitorId: visitor });
    await accept(asEvent(later));
    expect(await ledger(later.id)).toMatchObject({ status: 'delivered', contact: who });
  });

  it('a typed form e-mail does not overwrite a verified link (but a verified one replaces a typed one)', async () => {
    const visitor = uid('vis');
    const verified = email('ver');
    const typed = email('typed');
    await accept(asEvent(browserEvent('login', { visitorId: visitor, email: verified, emailVerified: true })));
    const form = browserEvent('newsletter', { visitorId: visitor, email: typed, emailVerified: false });
    await accept(asEvent(form));
    // The form itself belongs to the address typed in it (which it does not opt in: unverified, issue 10 item 1)...
    expect(await ledger(form.id)).toMatchObject({ status: 'delivered', contact: typed });
    expect(await simContact(typed)).not.toMatchObject({ optIn: 'opt-in' });
    // ...but the visitor stays linked to the verified address.
    const visit = browserEvent('visit', { visitorId: visitor });
    await accept(asEvent(visit));
    expect(await ledger(visit.id)).toMatchObject({ status: 'delivered', contact: verified });

    const other = uid('vis');
    await accept(asEvent(browserEvent('survey', { visitorId: other, email: typed, message: 'Pytanie' })));
    await accept(asEvent(browserEvent('login', { visitorId: other, email: verified, emailVerified: true })));
    const link = await env.LEDGER.prepare('SELECT email, verified FROM visitor_links WHERE visitor_id = ?').bind(other).first();
    expect(link).toEqual({ email: verified, verified: 1 });
  });

  it('an smclient contactId identifies the visitor and releases its held events', async () => {
    const who = email('smc');
    await accept(asContact(shopContact({ email: who })));
    const contactId = (await simContact(who))!.contactId;
    const visitor = uid('vis');
    const held = browserEvent('visit', { visitorId: visitor });
    await accept(asEvent(held));
    expect((await ledger(held.id))?.status).toBe('held');
    const known = browserEvent('visit', { visitorId: visitor, contactId });
    await accept(asEvent(known));
    expect(await ledger(held.id)).toMatchObject({ status: 'delivered', contact: contactId });
    expect((await simEventsOf([who])).map((e) => e.externalId).sort()).toEqual([held.id, known.id].sort());
  });

  it('keeps at most 200 held events per visitor (older ones expire, counted) and expires them after 30 days', async () => {
    const visitor = uid('vis');
    const base = Date.now() - 1000;
    const visits = Array.from({ length: 205 }, (_, n) => browserEvent('visit', { visitorId: visitor, receivedAt: base + n, occurredAt: base + n }));
    for (let i = 0; i < visits.length; i += 100) await accept(...visits.slice(i, i + 100).map(asEvent));
    const counts = await env.LEDGER.prepare('SELECT status, COUNT(*) AS n FROM deliveries WHERE visitor_id = ? GROUP BY status')
      .bind(visitor)
      .all<{ status: string; n: number }>();
    expect(Object.fromEntries(counts.results.map((r) => [r.status, r.n]))).toEqual({ held: 200, expired: 5 });
    for (const v of visits.slice(0, 5)) {
      expect(await ledger(v.id)).toMatchObject({ status: 'expired', last_error: expect.stringMatching(/more than 200/) });
    }

    // 30 days: the hourly handler expires what is older.
    const old = uid('vis');
    const stale = browserEvent('visit', { visitorId: old });
    await recordAccepted([asEvent(stale)], Date.now());
    await env.LEDGER.prepare("UPDATE deliveries SET status = 'held', accepted_at = ? WHERE id = ?")
      .bind(Date.now() - 31 * 24 * 3600 * 1000, stale.id)
      .run();
    const ctx = createExecutionContext();
    await handleScheduled(createScheduledController({ cron: '17 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await ledger(stale.id)).toMatchObject({ status: 'expired', last_error: expect.stringMatching(/30 days/) });
    expect((await ledger(visits[200]!.id))?.status).toBe('held');
  });
});

describe('held events: retries and the hourly clean-up', () => {
  it('released held events whose delivery fails transiently go back on the queue', async () => {
    const visitor = uid('vis');
    const held = browserEvent('visit', { visitorId: visitor });
    await accept(asEvent(held));
    const login = browserEvent('login', { visitorId: visitor, email: email('rel'), emailVerified: true });
    await recordAccepted([asEvent(login)]);
    const config = readConfig(env);
    const real = new SalesmanagoClient(config.salesmanago!);
    const busy = new SalesmanagoError('transient', ['server busy'], { status: 503, path: '/api/v2/contact/addBatchContactExtEvent' });
    const requeued: { body: QueueMessage; delaySeconds: number }[] = [];
    const items: WorkItem[] = [{ id: login.id, event: login, attempt: 1 }];
    const all = await deliver(items, {
      db: env.LEDGER,
      config,
      client: {
        batchUpsertContacts: (cs) => real.batchUpsertContacts(cs),
        addEvent: (i) => real.addEvent(i),
        updateEvent: (id, e) => real.updateEvent(id, e),
        batchAddEvents: async (xs) => [{ start: 0, end: xs.length, truncations: [], ok: false, error: busy }],
      },
      requeue: async (messages) => {
        requeued.push(...messages);
      },
      // The quick in-run retries without their real waits (run.ts QUICK_WAITS_MS).
      sleep: async () => {},
    });
    expect(all.map((i) => [i.id, i.outcome?.status])).toEqual([
      [login.id, 'retry'],
      [held.id, 'retry'],
    ]);
    // Requeued packed (one message for the released events of one delay), carrying only the held one.
    expect(requeued).toHaveLength(1);
    expect(requeued[0]?.body.kind).toBe('events');
    expect(itemsOf(requeued[0]!.body).map(itemId)).toEqual([held.id]);
    expect(requeued[0]?.delaySeconds).toBeGreaterThanOrEqual(15);
    expect(await ledger(held.id)).toMatchObject({ status: 'queued', last_error: expect.stringMatching(/server busy/) });
  });

  it('the hourly handler prunes carts older than 12 h and releases held events of identified visitors', async () => {
    const now = Date.now();
    await env.LEDGER.prepare('INSERT INTO open_carts (contact_key, event_id, opened_at, updated_at) VALUES (?1, ?2, ?3, ?3), (?4, ?5, ?6, ?6)')
      .bind(`email:${email('old')}`, 'old-event', now - 13 * 3600 * 1000, `email:${email('new')}`, 'new-event', now - 3600 * 1000)
      .run();
    // A held event whose visitor was identified by a batch running at the same time.
    const visitor = uid('vis');
    const who = email('sweep');
    const held = browserEvent('visit', { visitorId: visitor });
    await accept(asEvent(held));
    await accept(asContact(shopContact({ email: who })));
    await env.LEDGER.prepare('INSERT INTO visitor_links (visitor_id, email, verified, updated_at) VALUES (?, ?, 1, ?)').bind(visitor, who, now).run();

    const done = await cleanUp(env, now);
    expect(done.prunedCarts).toBeGreaterThanOrEqual(1);
    expect(done.released).toBeGreaterThanOrEqual(1);
    const keys = await env.LEDGER.prepare('SELECT event_id FROM open_carts').all<{ event_id: string }>();
    expect(keys.results.map((r) => r.event_id)).toContain('new-event');
    expect(keys.results.map((r) => r.event_id)).not.toContain('old-event');
    // The real queue consumer delivers the released event.
    await vi.waitFor(async () => expect(await ledger(held.id)).toMatchObject({ status: 'delivered', contact: who }), { timeout: 20_000, interval: 250 });
  });
});

describe('CART in place', () => {
  it('lets a cart change settle, updates one open CART event per contact, and a purchase closes it', async () => {
    const visitor = uid('vis');
    const who = email('cart');
    await accept(asEvent(browserEvent('login', { visitorId: visitor, email: who, emailVerified: true })));
    let tick = Date.now();
    const cart = (ids: string[]) => {
      tick += 1;
      return browserEvent('cart', { visitorId: visitor, occurredAt: tick, receivedAt: tick, products: ids.map((id) => ({ id, quantity: 1, price: 10 })) });
    };
    /** The queue's redelivery after the settle window. */
    const redeliver = (...events: ReturnType<typeof cart>[]) => consume(events.map(asEvent), { attempts: 2 });

    const calls = watchCalls();
    const c1 = cart(['a']);
    const fresh = await accept(asEvent(c1));
    expect(fresh.retried.get(fresh.ids[0]!)).toBe(60);
    expect(calls()).toEqual([]);
    expect(await ledger(c1.id)).toMatchObject({ status: 'queued', last_error: null });
    await redeliver(c1);

    const c2 = cart(['a', 'b']);
    await recordAccepted([asEvent(c2)]);
    await redeliver(c2);
    // Two changes in one batch: the older is superseded (no call), the latest updates the event.
    const c3 = cart(['a', 'b', 'c']);
    const c4 = cart(['b']);
    await recordAccepted([asEvent(c3), asEvent(c4)]);
    const both = await redeliver(c3, c4);
    expect(both.acked.size).toBe(2);
    expect(calls()).toEqual(['/api/v2/contact/addContactExtEvent', '/api/v2/contact/updateContactExtEvent', '/api/v2/contact/updateContactExtEvent']);
    let carts = (await simEventsOf([who])).filter((e) => e.contactExtEventType === 'CART');
    expect(carts).toHaveLength(1);
    expect(carts[0]).toMatchObject({ updates: 2, products: 'b', value: 10 });
    const rows = await ledgerMany([c1, c2, c3, c4].map((c) => c.id));
    for (const c of [c1, c2, c4]) expect(rows.get(c.id)).toMatchObject({ status: 'delivered', sm_event_id: carts[0]!.eventId });
    expect(rows.get(c3.id)).toMatchObject({ status: 'delivered', sm_event_id: null, contact: who });

    // A change that was superseded while it waited costs no call either.
    const c5 = cart(['x']);
    const c6 = cart(['y']);
    await accept(asEvent(c5), asEvent(c6));
    const before = calls().length;
    await redeliver(c5);
    expect(calls().length).toBe(before);
    await redeliver(c6);

    await accept(asEvent(orderEvent('purchase', { email: who })));
    const c7 = cart(['z']);
    await recordAccepted([asEvent(c7)]);
    await redeliver(c7);
    carts = (await simEventsOf([who])).filter((e) => e.contactExtEventType === 'CART');
    expect(carts).toHaveLength(2);
    expect(carts.map((e) => e.products).sort()).toEqual(['y', 'z']);
    expect(carts.find((e) => e.products === 'z')).toMatchObject({ updates: 0 });
  });
});

describe('dead letters and replay', () => {
  it('the dead-letter consumer records exhausted messages as dead with the last error', async () => {
    const visit = browserEvent('visit', { email: email('dead') });
    await recordAccepted([asEvent(visit)]);
    await env.LEDGER.prepare("UPDATE deliveries SET last_error = 'events: SALESmanago (HTTP 503): busy', attempts = 10 WHERE id = ?").bind(visit.id).run();
    const run = await consume([asEvent(visit)], { queue: 'sm-edge-events-dlq' });
    expect(run.result.ackAll).toBe(true);
    expect(await ledger(visit.id)).toMatchObject({ status: 'dead', last_error: 'retries exhausted: events: SALESmanago (HTTP 503): busy' });
  });

  it('POST /admin/replay needs the password, re-enqueues failed and dead rows, and they get delivered', async () => {
    const denied = await app('/admin/replay', 'wrong-password');
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: expect.stringMatching(/ADMIN_PASSWORD/) });
    expect((await app('/admin/replay?status=lost', env.ADMIN_PASSWORD!)).status).toBe(400);

    const dead = orderEvent('purchase');
    const failed = browserEvent('visit', { email: email('failed') });
    await recordAccepted([asEvent(dead), asEvent(failed)]);
    await env.LEDGER.prepare("UPDATE deliveries SET status = 'dead', last_error = 'retries exhausted' WHERE id = ?").bind(dead.id).run();
    await env.LEDGER.prepare("UPDATE deliveries SET status = 'failed', last_error = 'queue unavailable' WHERE id = ?").bind(failed.id).run();

    const res = await app('/admin/replay', env.ADMIN_PASSWORD!);
    expect(res.status).toBe(200);
    const body = await res.json<{ requeued: number; byStatus: { failed: number; dead: number }; remaining: number }>();
    expect(body.byStatus.dead).toBeGreaterThanOrEqual(1);
    expect(body.byStatus.failed).toBeGreaterThanOrEqual(1);
    expect(body.requeued).toBe(body.byStatus.dead + body.byStatus.failed);
    expect(body.remaining).toBe(0);

    // The real queue consumer picks them up.
    await vi.waitFor(
      async () => {
        const rows = await ledgerMany([dead.id, failed.id]);
        expect([...rows.values()].map((r) => r.status)).toEqual(['delivered', 'delivered']);
      },
      { timeout: 20_000, interval: 250 },
    );
    const events = (await simState()).events.filter((e) => e.externalId === dead.order!.orderId || e.externalId === failed.id);
    expect(events).toHaveLength(2);
  });
});

async function app(path: string, password: string): Promise<Response> {
  const { app: worker } = await import('../index.ts');
  const ctx = createExecutionContext();
  const res = await worker.request(path, { method: 'POST', headers: { Authorization: `Basic ${btoa(`admin:${password}`)}` } }, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
