// Delivery under SALESmanago faults, injected at the shared simulator. The fault settings are global
// (every test file talks to the same simulator), so the tests here run one at a time, keep each fault
// window short and always clears the faults afterwards.
import { createRandom } from '../../test/simulator/random.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../env.ts';
import { packMessages } from '../queue/send.ts';
import { itemId, itemsOf, type AcceptedEvent, type ItemMessage, type QueueMessage } from '../queue/messages.ts';
import { externalId } from './mapping.ts';
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
  sim,
  simEventsOf,
  uid,
} from '../test/delivery-fixtures.ts';

const BATCH_PATH = '/api/v2/contact/addBatchContactExtEvent';
/** Hangs are detected after this long here (the local value is 2,000 ms). */
const fastEnv: Env = { ...env, SALESMANAGO_TIMEOUT_MS: '250' };

async function faults(config: Record<string, unknown>) {
  await sim('/__sim/faults', config);
}

function countCalls(): () => Record<string, number> {
  const spy = vi.spyOn(globalThis, 'fetch');
  const origin = new URL(env.SALESMANAGO_ENDPOINT ?? '').origin;
  return () => {
    const byPath: Record<string, number> = {};
    for (const [input] of spy.mock.calls) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.origin === origin && url.pathname.startsWith('/api/')) byPath[url.pathname] = (byPath[url.pathname] ?? 0) + 1;
    }
    return byPath;
  };
}

const total = (byPath: Record<string, number>) => Object.values(byPath).reduce((a, b) => a + b, 0);

interface Person {
  visitor: string;
  email: string;
}

interface Mix {
  /** Items that identify people (logins) and shop contacts. */
  identifying: ItemMessage[];
  /** Everything else, in arrival order. */
  rest: ItemMessage[];
  cartPeople: Person[];
  /** Events SALESmanago must refuse (an smclient contactId it does not know). */
  refused: AcceptedEvent[];
}

/**
 * n mixed events: ~55 % visits, 10 % carts, 7.5 % logins, 7.5 % forms, 12 % purchases, 3 % returns and
 * cancellations, 2.5 % shop contacts, 2.5 % events for unknown contactIds (permanently refused).
 */
function mixedEvents(n: number, seed: number): Mix {
  const rnd = createRandom(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const people: Person[] = Array.from({ length: Math.round(n * 0.075) }, () => ({ visitor: uid('v'), email: email('p') }));
  const cartPeople = people.slice(0, Math.round(people.length / 3));
  const buyers = people.slice(cartPeople.length);
  let t = Date.now() - n;
  const at = () => ({ occurredAt: ++t, receivedAt: t });
  const identifying: ItemMessage[] = people.map((p) => asEvent(browserEvent('login', { visitorId: p.visitor, email: p.email, emailVerified: true, ...at() })));
  const rest: ItemMessage[] = [];
  const refused: AcceptedEvent[] = [];
  const counts = { contacts: 0.025, carts: 0.1, forms: 0.075, purchases: 0.12, after: 0.03, refused: 0.025 };
  for (let i = 0; i < Math.round(n * counts.contacts); i++) {
    identifying.push(asContact(shopContact({ trigger: pick(['registration', 'newsletter'] as const), newsletter: 'subscribe' })));
  }
  for (let i = 0; i < Math.round(n * counts.carts); i++) {
    const p = pick(cartPeople);
    rest.push(asEvent(browserEvent('cart', { visitorId: p.visitor, products: [{ id: `sku-${i % 7}`, quantity: 1 + (i % 3), price: 19.99 }], ...at() })));
  }
  for (let i = 0; i < Math.round(n * counts.forms); i++) {
    const p = pick(people);
    const type = pick(['newsletter', 'survey', 'offer'] as const);
    rest.push(asEvent(browserEvent(type, { visitorId: p.visitor, email: i % 2 ? p.email : email('form'), message: 'Dzień dobry', ...at() })));
  }
  for (let i = 0; i < Math.round(n * counts.purchases); i++) {
    const guest = i % 3 === 0;
    rest.push(asEvent(orderEvent('purchase', { email: guest ? email('guest') : pick(buyers).email, ...at() })));
  }
  for (let i = 0; i < Math.round(n * counts.after); i++) {
    rest.push(asEvent(orderEvent(i % 2 ? 'return' : 'cancellation', { email: pick(buyers).email, ...at() })));
  }
  for (let i = 0; i < Math.round(n * counts.refused); i++) {
    const e = browserEvent('visit', { visitorId: uid('v'), contactId: crypto.randomUUID(), ...at() });
    refused.push(e);
    rest.push(asEvent(e));
  }
  const visits = n - identifying.length - rest.length;
  for (let i = 0; i < visits; i++) rest.push(asEvent(browserEvent('visit', { visitorId: pick(people).visitor, ...at() })));
  // Arrival order: shuffled (Fisher-Yates).
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return { identifying, rest, cartPeople, refused };
}

/** The queue's redelivery loop: run the consumer over what it retried until everything is acked. */
async function drain(messages: QueueMessage[], bindings: Env, maxRounds = 80): Promise<number> {
  let pending = messages;
  let round = 0;
  while (pending.length > 0 && round < maxRounds) {
    round += 1;
    // The queue's delays are skipped here; the ledger's next attempts are moved along with them, so
    // that a row held back until its recorded time (docs/delivery.md, an add and re-send both
    // unanswered: here a hang twice) is due as its message comes back.
    if (round > 1) await env.LEDGER.prepare("UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'queued' AND next_attempt_at > 0").run();
    const next: QueueMessage[] = [];
    for (let i = 0; i < pending.length; i += 100) {
      const part = pending.slice(i, i + 100);
      const run = await consume(part, { env: bindings, attempts: round });
      run.ids.forEach((id, k) => {
        if (run.retried.has(id)) next.push(part[k]!);
        else expect(run.acked.has(id)).toBe(true);
      });
    }
    pending = next;
  }
  expect(pending).toEqual([]);
  return round;
}

/**
 * Queue messages the way the real endpoints pack these items (arrival order kept): a visitor's
 * browser events travel in beacons of 3 to 20 events (POST /e: one message per beacon), sent when
 * full or at the end; shop events and contacts come as history through /api/v1/batch, packed 50 a
 * message. A message is queued when its last item has arrived.
 */
function packLikeEndpoints(items: ItemMessage[], seed: number): QueueMessage[] {
  const rnd = createRandom(seed);
  const out: QueueMessage[] = [];
  const beacons = new Map<string, { target: number; items: ItemMessage[] }>();
  let shop: ItemMessage[] = [];
  const flush = (list: ItemMessage[]) => out.push(...packMessages(list).map((p) => p.message));
  for (const item of items) {
    const visitor = item.kind === 'event' && item.event.source === 'browser' ? item.event.visitorId : undefined;
    if (!visitor) {
      shop.push(item);
      if (shop.length === 50) {
        flush(shop);
        shop = [];
      }
      continue;
    }
    const beacon = beacons.get(visitor) ?? { target: 3 + Math.floor(rnd() * 18), items: [] };
    beacon.items.push(item);
    beacons.set(visitor, beacon);
    if (beacon.items.length >= beacon.target) {
      flush(beacon.items);
      beacons.delete(visitor);
    }
  }
  for (const beacon of beacons.values()) flush(beacon.items);
  if (shop.length > 0) flush(shop);
  return out;
}

const idOf = (m: ItemMessage): string => itemId(m);
const itemCount = (messages: QueueMessage[]) => messages.reduce((n, m) => n + itemsOf(m).length, 0);

describe('delivery under SALESmanago faults (tests run one after another: none is concurrent)', () => {
  beforeEach(async () => {
    await faults({});
  });
  afterEach(async () => {
    await faults({});
    vi.restoreAllMocks();
  });

  it('retries a transient failure with exponential backoff and jitter, honouring Retry-After', async () => {
    const visit = browserEvent('visit', { email: email('tr') });
    await recordAccepted([asEvent(visit)]);
    await faults({ [BATCH_PATH]: { errorRate: 1 } });
    const first = await consume([asEvent(visit)]);
    const third = await consume([asEvent(visit)], { attempts: 3 });
    await faults({ [BATCH_PATH]: { rate429: 1, retryAfterS: 600 } });
    const limited = await consume([asEvent(visit)], { attempts: 1 });
    await faults({});

    expect(first.acked.size).toBe(0);
    expect(first.retried.get(first.ids[0]!)).toBeGreaterThanOrEqual(15);
    expect(first.retried.get(first.ids[0]!)).toBeLessThanOrEqual(30);
    expect(third.retried.get(third.ids[0]!)).toBeGreaterThanOrEqual(60);
    expect(third.retried.get(third.ids[0]!)).toBeLessThanOrEqual(120);
    expect(limited.retried.get(limited.ids[0]!)).toBe(600);
    const row = await ledger(visit.id);
    expect(row).toMatchObject({ status: 'queued', attempts: 3 });
    expect(row?.last_error).toMatch(/HTTP 429/);

    const done = await consume([asEvent(visit)], { attempts: 4 });
    expect(done.acked.size).toBe(1);
    expect(await ledger(visit.id)).toMatchObject({ status: 'delivered', attempts: 4, last_error: null });
    expect((await simEventsOf([visit.email!])).filter((e) => e.externalId === visit.id)).toHaveLength(1);
  }, 45_000); // (each failing run makes its quick retries first: ~8 s, up to 12 s with jitter)

  it('gives up on a hanging call after the timeout and retries it', async () => {
    const visit = browserEvent('visit', { email: email('hang') });
    await recordAccepted([asEvent(visit)]);
    await faults({ '*': { hangRate: 1 } });
    const run = await consume([asEvent(visit)], { env: fastEnv });
    await faults({});
    expect(run.retried.has(run.ids[0]!)).toBe(true);
    expect((await ledger(visit.id))?.last_error).toMatch(/timeout/);
  }, 25_000); // (the quick retries of the upsert wait ~8 s in all, up to 12 s with jitter)

  it('delivers 2,000 mixed events exactly once through 30 % 5xx, 10 % 429 and 5 % hangs', async () => {
    const mix = mixedEvents(2000, 7);
    const all = [...mix.identifying, ...mix.rest];
    expect(all).toHaveLength(2000);
    await recordAccepted(all);
    // Logins first (as a visitor logs in before its later events arrive); then the rest.
    const first = packLikeEndpoints(mix.identifying, 1);
    const then = packLikeEndpoints(mix.rest, 2);
    expect(itemCount(first) + itemCount(then)).toBe(2000);
    expect(then.length).toBeLessThan(mix.rest.length / 5);
    const calls = countCalls();
    await faults({ '*': { errorRate: 0.3, rate429: 0.1, retryAfterS: 1, hangRate: 0.05 }, seed: 4242 });
    const rounds = (await drain(first, fastEnv)) + (await drain(then, fastEnv));
    await faults({});

    const rows = await ledgerMany(all.map(idOf));
    const refused = new Set(mix.refused.map((e) => e.id));
    for (const m of all) {
      const row = rows.get(idOf(m));
      if (refused.has(idOf(m))) {
        expect(row?.status).toBe('failed');
        expect(row?.last_error).toMatch(/failedContacts/);
      } else expect(row?.status, `${idOf(m)}: ${row?.last_error}`).toBe('delivered');
    }

    // Exactly once at SALESmanago: every non-cart event by its externalId, once; one CART per cart shopper.
    const events = all.flatMap((m) => (m.kind === 'event' ? [m.event] : []));
    const emails = [...new Set([...rows.values()].map((r) => r.contact).filter((c): c is string => Boolean(c?.includes('@'))))];
    const stored = await simEventsOf(emails);
    const seen = new Map<string, number>();
    for (const e of stored) {
      if (e.contactExtEventType !== 'CART')
        seen.set(`${e.contactExtEventType}:${e.externalId}`, (seen.get(`${e.contactExtEventType}:${e.externalId}`) ?? 0) + 1);
    }
    const expected = events.filter((e) => e.type !== 'cart' && !refused.has(e.id));
    const typeOf = {
      visit: 'VISIT',
      login: 'LOGIN',
      offer: 'OFFER',
      newsletter: 'OTHER',
      survey: 'SURVEY',
      purchase: 'PURCHASE',
      return: 'RETURN',
      cancellation: 'CANCELLATION',
      cart: 'CART',
    };
    const missing = expected.filter((e) => !seen.has(`${typeOf[e.type]}:${externalId(e)}`));
    const duplicates = [...seen.entries()].filter(([, n]) => n > 1);
    expect(missing).toEqual([]);
    expect(duplicates).toEqual([]);
    expect(seen.size).toBe(expected.length);
    const carts = stored.filter((e) => e.contactExtEventType === 'CART');
    const shoppers = new Set(events.filter((e) => e.type === 'cart').map((e) => mix.cartPeople.find((p) => p.visitor === e.visitorId)!.email));
    expect(carts.map((c) => c.email).sort()).toEqual([...shoppers].sort());

    const byPath = calls();
    console.log(
      `chaos: ${first.length + then.length} queue messages, ${rounds} rounds, ${total(byPath)} SALESmanago calls for 2,000 events`,
      JSON.stringify(byPath),
    );
  }, 300_000);

  it('measures SALESmanago calls per 1,000 mixed events, packed as the endpoints queue them', async () => {
    const mix = mixedEvents(1000, 11);
    // Arrival order as in a shop: a visitor's login comes in among its other events.
    const arrival = [...mix.rest];
    for (const [i, m] of mix.identifying.entries()) arrival.splice(Math.floor((i * arrival.length) / mix.identifying.length), 0, m);
    await recordAccepted(arrival);
    const messages = packLikeEndpoints(arrival, 3);
    expect(itemCount(messages)).toBe(1000);
    const calls = countCalls();
    await drain(messages, env, 3);
    const byPath = calls();
    const perThousand = total(byPath);
    const batchCalls = (byPath[BATCH_PATH] ?? 0) + (byPath['/api/contact/batchupsert'] ?? 0);
    console.log(`calls per 1,000 mixed events: ${perThousand} (${batchCalls} batch calls; ${messages.length} queue messages)`, JSON.stringify(byPath));
    const rows = await ledgerMany(arrival.map(idOf));
    const statuses: Record<string, number> = {};
    for (const r of rows.values()) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    console.log('ledger after the run', JSON.stringify(statuses));
    expect(statuses.queued ?? 0).toBe(0);
    // Packed messages: a queue batch of 100 messages carries ~700-1,000 events, so the batch calls are
    // one upsert and one to three event batches (<= 400 each) per queue batch; carts wait out their
    // settle window and go as single calls in the second round.
    expect(messages.length).toBeLessThan(200);
    expect(batchCalls).toBeLessThanOrEqual(6);
    const singles = (byPath['/api/v2/contact/addContactExtEvent'] ?? 0) + (byPath['/api/v2/contact/updateContactExtEvent'] ?? 0);
    expect(singles).toBeLessThanOrEqual(mix.cartPeople.length);
  }, 120_000);
});
