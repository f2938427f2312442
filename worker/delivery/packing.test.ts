// Queue messages that carry several events (a beacon, a slice of a shop batch): one consumer batch
// delivers them together, and each MESSAGE is acked or retried on its own. Against the shared
// simulator, with no injected faults (a failure is made by a fetch wrapper around one path).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHUNK_SIZE } from '../salesmanago/limits.ts';
import { CART_CALLS_PER_BATCH } from './run.ts';
import type { AcceptedEvent } from '../queue/messages.ts';
import {
  asContacts,
  asEvent,
  asEvents,
  browserEvent,
  consume,
  email,
  env,
  ledgerMany,
  orderEvent,
  recordAccepted,
  shopContact,
  simEventsOf,
  uid,
} from '../test/delivery-fixtures.ts';

const BATCH_ADD = '/api/v2/contact/addBatchContactExtEvent';
const UPSERT = '/api/contact/batchupsert';
const SINGLE_ADD = '/api/v2/contact/addContactExtEvent';

/** Records the SALESmanago paths called; `failing` paths answer 503 instead of reaching the simulator. */
function watchCalls(failing: Set<string> = new Set()): () => string[] {
  const real = globalThis.fetch.bind(globalThis);
  const origin = new URL(env.SALESMANAGO_ENDPOINT ?? '').origin;
  const paths: string[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin === origin && url.pathname.startsWith('/api/')) {
      paths.push(url.pathname);
      if (failing.has(url.pathname)) return new Response('busy', { status: 503 });
    }
    return real(input, init);
  });
  return () => [...paths];
}

const count = (paths: string[], path: string) => paths.filter((p) => p === path).length;

/** Exactly one stored event per externalId for these contacts (non-cart). */
async function storedOnce(emails: string[], externalIds: string[]): Promise<void> {
  const stored = (await simEventsOf(emails)).filter((e) => e.contactExtEventType !== 'CART');
  const seen = new Map<string, number>();
  for (const e of stored) seen.set(e.externalId ?? '', (seen.get(e.externalId ?? '') ?? 0) + 1);
  expect(externalIds.filter((id) => seen.get(id) !== 1)).toEqual([]);
  expect(stored).toHaveLength(externalIds.length);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('multi-event queue messages', () => {
  it('a batch of several multi-event messages (and an old single one) costs one upsert, one event batch and the CART singles', async () => {
    const people = Array.from({ length: 12 }, () => ({ visitor: uid('v'), email: email('pk') }));
    let tick = Date.now() - 10_000;
    const at = () => ({ occurredAt: ++tick, receivedAt: tick });
    // 8 beacons of 49 visits + 1 cart each, one shop-history message of 7 purchases, and one message in
    // the old single-event shape (queued before a deploy): 400 non-cart events, 8 carts.
    const beacons = Array.from({ length: 8 }, (_, b) => {
      const p = people[b]!;
      const visits = Array.from({ length: 49 }, () => browserEvent('visit', { visitorId: p.visitor, email: p.email, emailVerified: true, ...at() }));
      const cart = browserEvent('cart', { visitorId: p.visitor, email: p.email, products: [{ id: `sku-${b}`, quantity: 1, price: 10 }], ...at() });
      return [...visits.slice(0, 20), cart, ...visits.slice(20)];
    });
    const purchases = Array.from({ length: 7 }, (_, i) => orderEvent('purchase', { email: people[8 + (i % 4)]!.email, ...at() }));
    const single = browserEvent('visit', { email: people[11]!.email, ...at() });
    const messages = [...beacons.map(asEvents), asEvents(purchases), asEvent(single)];
    const events: AcceptedEvent[] = [...beacons.flat(), ...purchases, single];
    const nonCart = events.filter((e) => e.type !== 'cart');
    expect(nonCart).toHaveLength(CHUNK_SIZE);
    await recordAccepted(messages);

    // The queue's redelivery after the carts' settle window: attempt 2 sends them.
    const calls = watchCalls();
    const run = await consume(messages, { attempts: 2 });
    expect(run.retried.size).toBe(0);
    expect(run.acked.size).toBe(messages.length);
    const paths = calls();
    expect(count(paths, UPSERT)).toBe(1);
    expect(count(paths, BATCH_ADD)).toBe(1);
    expect(count(paths, SINGLE_ADD)).toBe(8);
    expect(paths).toHaveLength(10);
    // The contacts are upserted before any of their events.
    expect(paths[0]).toBe(UPSERT);

    const rows = await ledgerMany(events.map((e) => e.id));
    expect([...rows.values()].filter((r) => r.status !== 'delivered')).toEqual([]);
    expect(rows.size).toBe(events.length);
    await storedOnce(
      people.map((p) => p.email),
      nonCart.map((e) => (e.order ? e.order.orderId : e.id)),
    );
  });

  it('retries a message whose events partly need a retry; on redelivery its delivered events are not sent again', async () => {
    const who = { visitor: uid('v'), email: email('part') };
    let tick = Date.now() - 1000;
    const at = () => ({ occurredAt: ++tick, receivedAt: tick });
    const visits = Array.from({ length: 30 }, () => browserEvent('visit', { visitorId: who.visitor, email: who.email, emailVerified: true, ...at() }));
    const cart = browserEvent('cart', { visitorId: who.visitor, email: who.email, products: [{ id: 'sku-p', quantity: 2, price: 5 }], ...at() });
    // A second message of the same batch, all of whose events go through: acked on its own.
    const other = { email: email('part') };
    const otherVisits = Array.from({ length: 5 }, () => browserEvent('visit', { email: other.email, ...at() }));
    const message = asEvents([...visits.slice(0, 10), cart, ...visits.slice(10)]);
    const fine = asEvents(otherVisits);
    await recordAccepted([message, fine]);

    // The single CART call fails transiently (503); the batch calls go through.
    let calls = watchCalls(new Set([SINGLE_ADD]));
    const first = await consume([message, fine], { attempts: 2 });
    expect(first.retried.has(first.ids[0]!)).toBe(true);
    expect(first.retried.get(first.ids[0]!)).toBeGreaterThanOrEqual(30);
    expect(first.acked.has(first.ids[1]!)).toBe(true);
    expect(count(calls(), BATCH_ADD)).toBe(1);
    let rows = await ledgerMany([...visits, cart].map((e) => e.id));
    for (const v of visits) expect(rows.get(v.id)?.status).toBe('delivered');
    expect(rows.get(cart.id)).toMatchObject({ status: 'queued', last_error: expect.stringMatching(/503/) });

    // Redelivery: only the cart is sent.
    vi.restoreAllMocks();
    calls = watchCalls();
    const second = await consume([message], { attempts: 3 });
    expect(second.acked.has(second.ids[0]!)).toBe(true);
    expect(calls()).toEqual([SINGLE_ADD]);
    rows = await ledgerMany([...visits, cart].map((e) => e.id));
    expect([...rows.values()].every((r) => r.status === 'delivered')).toBe(true);
    expect(rows.get(cart.id)?.attempts).toBe(2);
    expect(rows.get(visits[0]!.id)?.attempts).toBe(1);
    await storedOnce(
      [who.email, other.email],
      [...visits, ...otherVisits].map((e) => e.id),
    );
    expect((await simEventsOf([who.email])).filter((e) => e.contactExtEventType === 'CART')).toHaveLength(1);
  });

  it('a message retried for one event does not send again an event SALESmanago refused for good', async () => {
    const visitor = uid('v');
    const who = email('ref');
    let tick = Date.now() - 1000;
    const at = () => ({ occurredAt: ++tick, receivedAt: tick });
    // An smclient contactId SALESmanago does not know: the batch answer lists it in failedContacts.
    const refused = browserEvent('visit', { visitorId: uid('v'), contactId: crypto.randomUUID(), ...at() });
    const visit = browserEvent('visit', { visitorId: visitor, email: who, emailVerified: true, ...at() });
    const cart = browserEvent('cart', { visitorId: visitor, email: who, products: [{ id: 'sku-r', quantity: 1, price: 3 }], ...at() });
    const message = asEvents([refused, visit, cart]);
    await recordAccepted([message]);

    let calls = watchCalls();
    const first = await consume([message]);
    // The fresh cart waits out its settle window: the message comes back in 60 s.
    expect(first.retried.get(first.ids[0]!)).toBe(60);
    expect(count(calls(), BATCH_ADD)).toBe(1);
    const rows = await ledgerMany([refused.id, visit.id, cart.id]);
    expect(rows.get(refused.id)).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/failedContacts/) });
    expect(rows.get(visit.id)?.status).toBe('delivered');

    vi.restoreAllMocks();
    calls = watchCalls();
    const second = await consume([message], { attempts: 2 });
    expect(second.acked.has(second.ids[0]!)).toBe(true);
    expect(calls()).toEqual([SINGLE_ADD]);
    expect((await ledgerMany([refused.id]))?.get(refused.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('the dead-letter consumer records every still-queued event of a dead message as dead', async () => {
    const events = Array.from({ length: 6 }, () => browserEvent('visit', { email: email('dlq') }));
    const contacts = [shopContact(), shopContact()];
    await recordAccepted([asEvents(events), asContacts(contacts)]);
    // One of them was delivered on an earlier attempt: it stays delivered.
    await env.LEDGER.prepare("UPDATE deliveries SET status = 'delivered' WHERE id = ?").bind(events[0]!.id).run();
    await env.LEDGER.prepare("UPDATE deliveries SET last_error = 'events: SALESmanago (HTTP 503): busy' WHERE id = ?").bind(events[1]!.id).run();
    const run = await consume([asEvents(events), asContacts(contacts)], { queue: 'sm-edge-events-dlq' });
    expect(run.result.ackAll).toBe(true);
    const rows = await ledgerMany([...events, ...contacts].map((x) => x.id));
    expect(rows.get(events[0]!.id)?.status).toBe('delivered');
    for (const x of [...events.slice(1), ...contacts]) expect(rows.get(x.id)?.status).toBe('dead');
    expect(rows.get(events[1]!.id)?.last_error).toBe('retries exhausted: events: SALESmanago (HTTP 503): busy');
  });

  it('delivers a full batch of 60 messages x 50 events (3,000) in 400-item chunks, every event once', async () => {
    const contacts = Array.from({ length: 150 }, () => email('big'));
    const t0 = Date.now() - 10_000;
    const events = Array.from({ length: 3000 }, (_, i) =>
      browserEvent('visit', { email: contacts[i % contacts.length]!, occurredAt: t0 + i, receivedAt: t0 + i }),
    );
    const messages = Array.from({ length: 60 }, (_, m) => asEvents(events.slice(m * 50, m * 50 + 50)));
    await recordAccepted(messages);
    const calls = watchCalls();
    const run = await consume(messages);
    expect(run.acked.size).toBe(60);
    const paths = calls();
    expect(count(paths, UPSERT)).toBe(1);
    expect(count(paths, BATCH_ADD)).toBe(Math.ceil(3000 / CHUNK_SIZE));
    expect(paths).toHaveLength(1 + Math.ceil(3000 / CHUNK_SIZE));
    const rows = await ledgerMany(events.map((e) => e.id));
    expect([...rows.values()].filter((r) => r.status !== 'delivered' || r.attempts !== 1)).toEqual([]);
    expect(rows.size).toBe(3000);
    await storedOnce(
      contacts,
      events.map((e) => e.id),
    );
  }, 60_000);

  it('sends at most CART_CALLS_PER_BATCH single CART calls per batch; the other carts come back shortly', async () => {
    const n = CART_CALLS_PER_BATCH + 3;
    const t0 = Date.now() - 10_000;
    const carts = Array.from({ length: n }, (_, i) =>
      browserEvent('cart', {
        visitorId: uid('v'),
        email: email('cap'),
        products: [{ id: `sku-${i}`, quantity: 1, price: 1 }],
        occurredAt: t0 + i,
        receivedAt: t0 + i,
      }),
    );
    const messages = [asEvents(carts.slice(0, 50)), asEvents(carts.slice(50, 100)), asEvents(carts.slice(100))];
    await recordAccepted(messages);
    let calls = watchCalls();
    const first = await consume(messages, { attempts: 2 });
    expect(count(calls(), SINGLE_ADD)).toBe(CART_CALLS_PER_BATCH);
    expect(first.acked.size).toBe(2);
    expect(first.retried.get(first.ids[2]!)).toBe(10);
    vi.restoreAllMocks();
    calls = watchCalls();
    const again = await consume([messages[2]!], { attempts: 3 });
    expect(again.acked.size).toBe(1);
    expect(count(calls(), SINGLE_ADD)).toBe(3);
    const rows = await ledgerMany(carts.map((c) => c.id));
    expect([...rows.values()].filter((r) => r.status !== 'delivered')).toEqual([]);
  });
});
