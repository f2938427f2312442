// Consent proof, erasure (art. 17) and access (art. 15): a person seeded through every path the worker
// has, then erased; a scan of every D1 table (sqlite_master) and every KV entry must find nothing of
// them but the suppression mark, SALESmanago must have been asked exactly once to delete the contact,
// and whatever names them later is refused with reason "erased".
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import { everyTextValue } from '../ledger/erasure.ts';
import { itemsOf, type QueueMessage } from '../queue/messages.ts';
import { asContact, asEvents, browserEvent, consume, env, orderEvent, sim, simContact, uid } from '../test/delivery-fixtures.ts';
import { callbackKey } from './callback-key.ts';
import { eraseContact } from './erasure.ts';
import { erasedRowId, markOf } from './suppression.ts';

const SHOP = 'http://localhost:8788';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';

async function request(path: string, init: RequestInit, bindings: Env = env) {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

async function signedPost(path: string, body: unknown) {
  const raw = JSON.stringify(body);
  const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', path, raw);
  return request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw });
}

function beacon(visitor: string, events: Record<string, unknown>[]) {
  return request('/e', {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: SHOP, 'User-Agent': UA, 'CF-Connecting-IP': '203.0.113.7' },
    body: JSON.stringify({ v: 2, u: visitor, e: events }),
  });
}

/** Queue sends are captured (the route's and the erasure's), then consumed by hand. */
let queue: { spy: MockInstance<Queue<QueueMessage>['sendBatch']>; take: () => QueueMessage[] };
beforeEach(() => {
  const spy = vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockImplementation(async () => undefined as never);
  let taken = 0;
  queue = {
    spy,
    take: () => {
      const all = spy.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body));
      const fresh = all.slice(taken);
      taken = all.length;
      return fresh;
    },
  };
});

const person = () => `Erase.Me-${crypto.randomUUID().slice(0, 8)}@Example.com`;
const visitorId = () => `v${crypto.randomUUID().replace(/-/g, '')}`.slice(0, 32);
const hexOf = async (algorithm: string, text: string) =>
  [...new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, '0')).join('');

/** Seeds one person through every path: beacon signup, visits, shop contact with consents, order, callback. */
async function seed(given: string) {
  const lower = given.toLowerCase();
  const visitor = visitorId();
  // 0. A shop platform: a WooCommerce order of theirs (a platform delivery, its customer id remembered),
  //    and a signed delivery that could not be mapped, kept with its raw body (platform_deliveries.body).
  const { sendWoo, wooOrder } = await import('../test/platform-fixtures.ts');
  const wooCustomerId = Math.floor(Math.random() * 1e9) + 1;
  const woo = await sendWoo('order.created', wooOrder({ status: 'processing', email: given, customer_id: wooCustomerId }));
  expect(woo).toMatchObject({ status: 200, body: { status: 'accepted' } });
  const unmappable = {
    ...wooOrder({ status: 'processing', email: given }),
    line_items: [{ id: 1, name: 'Kubek', product_id: 93, variation_id: 0, quantity: 'two', price: 10, total: '20.00' }],
  };
  expect(await sendWoo('order.updated', unmappable)).toMatchObject({ status: 200, body: { status: 'kept' } });
  // 1. The browser: a newsletter signup on a page with a query, then a visit (same visitor).
  const signup = await beacon(visitor, [
    {
      i: uid('nl').slice(0, 20),
      k: 'newsletter',
      t: Date.now() - 5000,
      u: `${SHOP}/newsletter?email=${lower}&utm=x`,
      email: given,
      consentVersion: 'nl-2026-01',
      formId: 'footer',
    },
    { i: uid('vi').slice(0, 20), k: 'visit', t: Date.now() - 4000, u: `${SHOP}/p/1`, h: 'Page' },
  ]);
  expect(signup.status).toBe(202);
  // 2. The shop: a contact with both pairs and a named consent, with proof.
  const contact = await signedPost('/api/v1/contacts', {
    email: given,
    name: 'Erase Me',
    phone: '+48 600 000 000',
    newsletter: 'subscribe',
    sms: 'subscribe',
    consents: [{ name: 'GDPR_PROFILING', accepted: true, at: new Date(Date.now() - 60_000).toISOString(), version: 'p-3' }],
    ip: '198.51.100.4',
    userAgent: 'ShopCheckout/1.0',
    version: 'nl-2026-01',
  });
  expect(contact.status).toBe(202);
  // 3. An order of theirs.
  const order = await signedPost('/api/v1/events', {
    type: 'purchase',
    orderId: uid('o'),
    email: given,
    value: 10,
    currency: 'PLN',
    products: [{ id: 'p1', quantity: 1 }],
    occurredAt: new Date().toISOString(),
  });
  expect(order.status).toBe(202);
  // 4. Delivery: the contact and events reach SALESmanago (known_contacts, visitor_links).
  await consume(queue.take());
  // A browser event carrying the contact id SALESmanago gave them (the smclient cookie).
  const contactId = (await simContact(lower))!.contactId;
  await consume([asEvents([browserEvent('visit', { visitorId: visitor, contactId })])]);
  // 5. SALESmanago's callback.
  const key = await callbackKey(lower, env.CALLBACK_SECRET!);
  expect((await request(`/callbacks/opt-out?email=${encodeURIComponent(lower)}&key=${key}`, {})).status).toBe(200);
  return { lower, visitor, contactId, wooCustomerId };
}

/** Every place an identifier of the person is found: D1 (all tables, all text columns) and KV (keys and values). */
async function traces(needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const { table, column, value } of await everyTextValue(env.LEDGER)) {
    const v = value.toLowerCase();
    for (const n of needles) if (v.includes(n.toLowerCase())) found.push(`${table}.${column} holds ${n}`);
  }
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown, string> = await env.CONSENTS.list(cursor ? { cursor } : {});
    for (const k of page.keys) {
      const value = ((await env.CONSENTS.get(k.name)) ?? '').toLowerCase();
      for (const n of needles) if (k.name.toLowerCase().includes(n.toLowerCase()) || value.includes(n.toLowerCase())) found.push(`KV ${k.name} holds ${n}`);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return found;
}

describe('consent proof', () => {
  it('records every statement with its proof, and answers it oldest first', async () => {
    const given = person();
    const { lower } = await seed(given);
    const res = await signedPost('/api/v1/consents/proof', { email: given });
    expect(res.status).toBe(200);
    const items = res.body.items as Record<string, unknown>[];
    expect(items.map((i) => `${i.source}:${i.name}:${i.accepted}`)).toEqual([
      'shop:GDPR_PROFILING:true', // stated a minute ago
      'browser:newsletter:true',
      'shop:newsletter:true',
      'shop:sms:true',
      'salesmanago:newsletter:false',
    ]);
    expect(items[1]).toMatchObject({ pageUrl: `${SHOP}/newsletter`, version: 'nl-2026-01', ip: '203.0.113.7', userAgent: UA, formId: 'footer' });
    expect(items[0]).toMatchObject({ version: 'p-3', ip: '198.51.100.4', userAgent: 'ShopCheckout/1.0' });
    expect(items[2]).toMatchObject({ version: 'nl-2026-01' });
    expect(JSON.stringify(items)).not.toContain('utm=');
    expect((await signedPost('/api/v1/consents/proof', { email: `other-${lower}` })).body).toEqual({ items: [] });
  });

  it('refuses a body without a valid e-mail with a 400 naming the field, and an unsigned one with 401', async () => {
    expect(await signedPost('/api/v1/consents/proof', { email: 'nope' })).toMatchObject({ status: 400, body: { error: expect.stringContaining('email') } });
    expect(await signedPost('/api/v1/contacts/erase', {})).toMatchObject({ status: 400, body: { error: 'email is missing' } });
    const unsigned = await request('/api/v1/contacts/export', { method: 'POST', body: JSON.stringify({ email: 'a@example.com' }) });
    expect(unsigned.status).toBe(401);
  });

  it('refuses an ip that is not an address', async () => {
    const res = await signedPost('/api/v1/contacts', { email: person(), newsletter: 'subscribe', ip: 'a b' });
    expect(res).toMatchObject({ status: 400, body: { error: expect.stringContaining('ip') } });
  });
});

describe('access (art. 15)', () => {
  it('exports consents with proof, events with outcomes, contact fields and visitor links', async () => {
    const given = person();
    const { lower, visitor, contactId } = await seed(given);
    const res = await signedPost('/api/v1/contacts/export', { email: given });
    expect(res.status).toBe(200);
    const doc = res.body as Record<string, any>;
    expect(doc.email).toBe(lower);
    expect(doc.newsletter).toMatchObject({ status: 'opt-out', source: 'salesmanago' });
    expect(doc.consents).toHaveLength(5);
    expect(doc.contact).toMatchObject({ name: 'Erase Me', phone: '+48 600 000 000' });
    expect(doc.contactIds).toContain(contactId);
    expect(doc.visitors.map((v: { visitorId: string }) => v.visitorId)).toContain(visitor);
    const types = doc.events.map((e: { type: string }) => e.type).sort();
    expect(types).toEqual(expect.arrayContaining(['contact', 'newsletter', 'purchase', 'visit']));
    expect(doc.events.every((e: { status: string }) => typeof e.status === 'string')).toBe(true);
  });
});

describe('erasure (art. 17)', () => {
  it('leaves nothing of the person but the suppression mark, deletes the contact once, refuses what comes later', async () => {
    const given = person();
    const { lower, visitor, contactId } = await seed(given);
    const needles = [given, lower, await hexOf('SHA-1', lower), await hexOf('SHA-256', lower), contactId, visitor];
    const before = await traces([lower, contactId, visitor]);
    expect(before.length).toBeGreaterThan(5);
    // The platform's kept raw body and its customer id → e-mail row hold the address too, before.
    expect(before).toEqual(expect.arrayContaining([`platform_deliveries.body holds ${lower}`, `platform_customers.email holds ${lower}`]));

    const res = await signedPost('/api/v1/contacts/erase', { email: given });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.stringMatching(/^erasure-/), status: 'queued' });
    const erase = queue.take();
    expect(erase).toEqual([{ kind: 'erase', erasureId: res.body.id, email: lower }]);
    expect(await traces(needles)).toEqual([]);

    // SALESmanago's delete: exactly one, recorded on the erasure (which holds no e-mail).
    const deletesBefore = (await sim<{ deletions: { email: string }[] }>('/__sim/state')).deletions.filter((d) => d.email === lower).length;
    const run = await consume(erase);
    expect(run.acked.size).toBe(1);
    const after = (await sim<{ deletions: { email: string }[] }>('/__sim/state')).deletions.filter((d) => d.email === lower).length;
    expect(after - deletesBefore).toBe(1);
    expect(await simContact(lower)).toBeUndefined();
    const record = await env.LEDGER.prepare('SELECT * FROM erasures WHERE id = ?1').bind(res.body.id).first<Record<string, unknown>>();
    expect(record).toMatchObject({ sm_status: 'deleted', sm_attempts: 1, source: 'api' });
    expect(JSON.parse(String(record!.removed))).toMatchObject({
      deliveries: expect.any(Number),
      consent_proofs: 5,
      kv: 1,
      platform_deliveries: 1,
      platform_customers: 1,
    });

    // Later: a stale beacon (signup and visit), a late callback, a re-run import of the contact.
    expect(
      (
        await beacon(visitor, [
          { i: uid('nl').slice(0, 20), k: 'newsletter', t: Date.now(), u: `${SHOP}/`, email: given },
          { i: uid('vi').slice(0, 20), k: 'visit', t: Date.now(), u: `${SHOP}/p/2` },
        ])
      ).status,
    ).toBe(202);
    const key = await callbackKey(lower, env.CALLBACK_SECRET!);
    expect((await request(`/callbacks/opt-in?email=${encodeURIComponent(lower)}&key=${key}`, {})).status).toBe(200);
    expect((await signedPost('/api/v1/batch', { items: [{ kind: 'contact', email: given, newsletter: 'subscribe' }] })).status).toBe(202);
    const late = queue.take();
    // A beacon event's id holds the visitor id: its refused row is recorded under a digest of it.
    const lateIds = await Promise.all(
      late.flatMap(itemsOf).map((i) => (i.kind === 'event' ? erasedRowId(i.event.id, i.event.visitorId) : i.kind === 'contact' ? i.contact.id : i.change.id)),
    );
    await consume(late);
    const rows = await env.LEDGER.prepare('SELECT status, last_error, contact, payload FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))')
      .bind(JSON.stringify(lateIds))
      .all();
    expect(rows.results).toHaveLength(3);
    for (const r of rows.results) expect(r).toEqual({ status: 'failed', last_error: 'refused: erased', contact: null, payload: null });
    expect(await simContact(lower)).toBeUndefined();
    expect(await traces(needles)).toEqual([]);
    // The only thing left: the marks.
    const mark = await markOf(env.SHOP_API_SECRET!, 'email', given);
    expect(await env.LEDGER.prepare('SELECT hash FROM erased_marks WHERE hash = ?1').bind(mark).first()).not.toBeNull();
  });

  it('a SALESmanago that does not have the contact is an outcome, not a retry', async () => {
    const lower = person().toLowerCase();
    const { id } = await eraseContact(env, env.SHOP_API_SECRET!, lower, { source: 'setup' });
    await consume(queue.take());
    expect(await env.LEDGER.prepare('SELECT sm_status, sm_error FROM erasures WHERE id = ?1').bind(id).first()).toEqual({
      sm_status: 'not-found',
      sm_error: expect.not.stringContaining(lower),
    });
  });

  it('erases a person with 1,000 events in bounded time (measured)', async () => {
    const lower = person().toLowerCase();
    const visitor = visitorId();
    const events = Array.from({ length: 1000 }, (_, i) => orderEvent('purchase', { email: lower, id: `s:purchase:${uid('bulk')}-${i}` }));
    const browser = Array.from({ length: 50 }, () => browserEvent('visit', { visitorId: visitor, email: lower }));
    const { recordAccepted } = await import('../test/delivery-fixtures.ts');
    await recordAccepted([...events.map((e) => asEvents([e])), asEvents(browser), asContact({ id: uid('ct'), receivedAt: Date.now(), email: lower })]);
    const started = performance.now();
    const { removed } = await eraseContact(env, env.SHOP_API_SECRET!, lower, { source: 'api' });
    const ms = performance.now() - started;
    console.log({ msg: 'erasure of a person with 1,051 ledger rows', ms: Math.round(ms), removed });
    expect(removed.deliveries).toBe(1051);
    expect(await traces([lower, visitor])).toEqual([]);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('the setup contact view', () => {
  const ORIGIN = 'http://localhost';
  const admin = { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` };
  async function setupRequest(path: string, form?: Record<string, string>) {
    const ctx = createExecutionContext();
    const init: RequestInit = form
      ? {
          method: 'POST',
          headers: { ...admin, Origin: ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
        }
      : { headers: admin };
    const res = await app.request(`${ORIGIN}${path}`, init, env, ctx);
    await waitOnExecutionContext(ctx);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  it('shows the proof timeline with each version, downloads the export, erases only after confirmation (pl and en)', async () => {
    const given = person();
    const { lower } = await seed(given);
    const en = await setupRequest(`/setup/contact?lang=en&email=${encodeURIComponent(lower)}`);
    expect(en.status).toBe(200);
    expect(en.text).toContain('Consent proof (timeline)');
    expect(en.text).toContain('nl-2026-01');
    expect(en.text).toContain('p-3');
    expect(en.text).toContain('id="erase-form"');
    const pl = await setupRequest(`/setup/contact?lang=pl&email=${encodeURIComponent(lower)}`);
    expect(pl.text).toContain('Zgody: dowód (oś czasu)');
    expect(pl.text).toContain('Usuń tę osobę');

    const download = await setupRequest('/setup/contact/export?lang=en', { email: given });
    expect(download.status).toBe(200);
    expect(download.headers.get('Content-Disposition')).toContain('attachment');
    expect(JSON.parse(download.text)).toMatchObject({ email: lower, consents: expect.any(Array), events: expect.any(Array) });

    const unconfirmed = await setupRequest('/setup/contact/erase?lang=en', { email: given });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('Tick the confirmation');
    // (Each signature is used once: the two reads differ by a field the API ignores.)
    expect((await signedPost('/api/v1/consents/proof', { email: given, n: 1 })).body.items).toHaveLength(5);

    const erased = await setupRequest('/setup/contact/erase?lang=en', { email: given, confirm: 'yes' });
    expect(erased.status).toBe(200);
    expect(erased.text).toContain('Erased.');
    expect(erased.text).not.toContain(lower);
    expect((await signedPost('/api/v1/consents/proof', { email: given, n: 2 })).body.items).toEqual([]);
    expect(queue.take().at(-1)).toMatchObject({ kind: 'erase', email: lower });
  });
});

describe('a consent change made on /setup', () => {
  const ORIGIN = 'http://localhost';
  const admin = { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` };
  async function withdraw(form: Record<string, string>, lang = 'en') {
    const ctx = createExecutionContext();
    const res = await app.request(
      `${ORIGIN}/setup/contact/withdraw?lang=${lang}`,
      {
        method: 'POST',
        headers: { ...admin, Origin: ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      },
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: res.status, text: await res.text() };
  }

  it('withdrawing a person\'s newsletter consent on the contact view records proof with source "setup", reaches SALESmanago and the change log', async () => {
    const lower = person().toLowerCase();
    expect((await signedPost('/api/v1/contacts', { email: lower, phone: '+48 600 000 001', newsletter: 'subscribe', sms: 'subscribe' })).status).toBe(202);
    await consume(queue.take());
    expect(await simContact(lower)).toMatchObject({ optIn: 'opt-in' });

    const page = await withdraw({ email: lower, consent: 'newsletter' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Consent withdrawn; the change is queued to SALESmanago.');
    expect(page.text).toContain('id="withdraw-form"');
    const sent = queue.take();
    expect(sent.flatMap(itemsOf).map((i) => (i.kind === 'contact' ? [i.contact.email, i.contact.newsletter] : null))).toEqual([[lower, 'unsubscribe']]);
    await consume(sent);
    expect(await simContact(lower)).toMatchObject({ optIn: 'opt-out' });
    expect(JSON.parse((await env.CONSENTS.get(`consent:${lower}`))!)).toMatchObject({ status: 'opt-out', source: 'setup' });
    expect(await env.LEDGER.prepare('SELECT status, source FROM consent_changes WHERE email = ?1 ORDER BY seq DESC LIMIT 1').bind(lower).first()).toEqual({
      status: 'opt-out',
      source: 'setup',
    });

    const pl = await withdraw({ email: lower, consent: 'sms' }, 'pl');
    expect(pl.text).toContain('Zgoda wycofana');
    queue.take();
    const items = (await signedPost('/api/v1/consents/proof', { email: lower })).body.items as Record<string, unknown>[];
    expect(items.slice(-2).map((i) => `${i.source}:${i.name}:${i.accepted}`)).toEqual(['setup:newsletter:false', 'setup:sms:false']);
    expect(await withdraw({ email: lower, consent: 'everything' })).toMatchObject({ status: 400 });
  });
});

describe('retention of the proof', () => {
  it('keeps the proof while the consent stands, and forgets it the set period after a withdrawal', async () => {
    const { appendProofs } = await import('../ledger/consent-proofs.ts');
    const { pruneProofs } = await import('./proof.ts');
    const DAY = 24 * 3600 * 1000;
    const now = Date.now();
    const [gone, again, recent] = [person(), person(), person()].map((e) => e.toLowerCase());
    const row = (email: string, accepted: boolean, daysAgo: number) => ({
      email,
      name: 'newsletter',
      accepted,
      statedAt: now - daysAgo * DAY,
      receivedAt: now - daysAgo * DAY,
      source: 'shop',
    });
    await appendProofs(env.LEDGER, [
      row(gone!, true, 900),
      row(gone!, false, 800),
      row(again!, true, 900),
      row(again!, false, 800),
      row(again!, true, 700),
      row(recent!, true, 900),
      row(recent!, false, 10),
    ]);
    const count = async (email: string) =>
      (await env.LEDGER.prepare('SELECT COUNT(*) AS n FROM consent_proofs WHERE email = ?1').bind(email).first<{ n: number }>())!.n;
    expect(await pruneProofs(env.LEDGER, now, 1095)).toBe(0);
    expect(await pruneProofs(env.LEDGER, now, 365)).toBeGreaterThanOrEqual(2);
    expect([await count(gone!), await count(again!), await count(recent!)]).toEqual([0, 3, 2]);
  });
});

describe('erasure from a shop platform', () => {
  it('Shopify customers/redact starts one erasure (a repeat of the delivery changes nothing); the proof of a platform consent is recorded', async () => {
    const { sendShopify, shopifyCustomer } = await import('../test/platform-fixtures.ts');
    const lower = person().toLowerCase();
    const created = await sendShopify(
      'customers/create',
      shopifyCustomer({ email: lower, email_marketing_consent: { state: 'subscribed', consent_updated_at: new Date().toISOString() } }),
    );
    expect(created.status).toBe(200);
    queue.take();
    const proof = (await signedPost('/api/v1/consents/proof', { email: lower })).body.items as Record<string, unknown>[];
    expect(proof).toEqual([expect.objectContaining({ name: 'newsletter', accepted: true, source: 'platform' })]);

    const webhookId = `redact-${crypto.randomUUID()}`;
    const redact = await sendShopify(
      'customers/redact',
      { shop_id: 1, shop_domain: env.SHOPIFY_SHOP_DOMAIN, customer: { id: 7, email: lower, phone: null }, orders_to_redact: [] },
      { webhookId },
    );
    expect(redact.status).toBe(200);
    const again = await sendShopify(
      'customers/redact',
      { shop_id: 1, shop_domain: env.SHOPIFY_SHOP_DOMAIN, customer: { id: 7, email: lower, phone: null }, orders_to_redact: [] },
      { webhookId },
    );
    expect(again.status).toBe(200);
    const erasures = queue.take().filter((m) => m.kind === 'erase');
    expect(erasures).toHaveLength(1);
    const record = await env.LEDGER.prepare('SELECT source FROM erasures WHERE id = ?1')
      .bind((erasures[0] as { erasureId: string }).erasureId)
      .first();
    expect(record).toEqual({ source: 'shopify' });
    expect(await traces([lower])).toEqual([]);
  });
});

describe('erasure from WooCommerce', () => {
  it('customer.deleted ({id} only) erases every e-mail our deliveries gave that customer id; a repeat changes nothing; an unknown id is ignored', async () => {
    const { sendWoo, wooCustomer, wooOrder } = await import('../test/platform-fixtures.ts');
    const account = person().toLowerCase();
    const billing = person().toLowerCase();
    const customer = wooCustomer({ email: account });
    expect((await sendWoo('customer.created', customer)).body.status).toBe('accepted');
    // An order of that customer under another billing e-mail, and an unmappable one kept with its body.
    expect((await sendWoo('order.created', wooOrder({ status: 'processing', email: billing, customer_id: customer.id }))).body.status).toBe('accepted');
    const unmappable = {
      ...wooOrder({ status: 'processing', email: billing, customer_id: customer.id }),
      line_items: [{ id: 1, name: 'K', product_id: 9, variation_id: 0, quantity: 'x', price: 1, total: '1.00' }],
    };
    expect((await sendWoo('order.updated', unmappable)).body.status).toBe('kept');
    await consume(queue.take());
    expect((await traces([account, billing])).length).toBeGreaterThan(3);

    const deliveryId = `deleted-${crypto.randomUUID()}`;
    const deleted = await sendWoo('customer.deleted', { id: customer.id }, { deliveryId });
    expect(deleted).toMatchObject({ status: 200, body: { status: 'accepted', reason: expect.stringMatching(/^erasure erasure-.*, erasure-/) } });
    expect(await sendWoo('customer.deleted', { id: customer.id }, { deliveryId })).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const erasures = queue.take().filter((m) => m.kind === 'erase') as { erasureId: string; email: string }[];
    expect(erasures.map((e) => e.email).sort()).toEqual([account, billing].sort());
    for (const e of erasures) {
      expect(await env.LEDGER.prepare('SELECT source FROM erasures WHERE id = ?1').bind(e.erasureId).first()).toEqual({ source: 'woocommerce' });
    }
    expect(await traces([account, billing])).toEqual([]);
    // The delivery's own record names the erasures, never the e-mails.
    const row = await env.LEDGER.prepare('SELECT reason, body FROM platform_deliveries WHERE delivery_id = ?1')
      .bind(deliveryId)
      .first<{ reason: string; body: string | null }>();
    expect(row).toEqual({ reason: expect.stringMatching(/^erasure /), body: null });

    const unknown = await sendWoo('customer.deleted', { id: 987_654_321_987 });
    expect(unknown).toMatchObject({ status: 200, body: { status: 'ignored', reason: expect.stringContaining('no delivery of ours named this customer') } });
    expect(queue.take().filter((m) => m.kind === 'erase')).toEqual([]);
  });
});

describe('consent texts and versions', () => {
  const ORIGIN = 'http://localhost';
  const admin = { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` };
  async function setupPost(form: Record<string, string>, lang = 'en') {
    const ctx = createExecutionContext();
    const res = await app.request(
      `${ORIGIN}/setup/consents?lang=${lang}`,
      {
        method: 'POST',
        headers: { ...admin, Origin: ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      },
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: res.status, text: await res.text() };
  }

  it('a changed text is a new version, old versions stay readable, and a statement without a version gets the current one with its text', async () => {
    const name = `terms-${crypto.randomUUID().slice(0, 6)}`;
    expect((await setupPost({ name, text: 'I agree to A.' })).text).toContain('Saved as a new version.');
    expect((await setupPost({ name, text: 'I agree to A.' })).text).toContain('No change');
    const email = person();
    await signedPost('/api/v1/contacts', { email, consents: [{ name, accepted: true, at: new Date(Date.now() - 1000).toISOString() }] });
    const second = await setupPost({ name, text: 'I agree to A and B.', smId: '42' }, 'pl');
    expect(second.text).toContain('Zapisano nową wersję.');
    expect(second.text).toContain('I agree to A.'); // version 1 still shown
    expect((await setupPost({ name, text: 'x', smId: 'abc' })).status).toBe(400);
    await signedPost('/api/v1/contacts', { email, consents: [{ name, accepted: false, at: new Date().toISOString() }] });
    const items = (await signedPost('/api/v1/consents/proof', { email })).body.items as Record<string, unknown>[];
    expect(items.map((i) => [i.version, i.text, i.accepted])).toEqual([
      ['1', 'I agree to A.', true],
      ['2', 'I agree to A and B.', false],
    ]);
  });
});

describe('erasure touches no one else', () => {
  it('erasing a@… leaves xa@… and a@….pl alone (whole addresses only)', async () => {
    const local = `w${crypto.randomUUID().slice(0, 8)}`;
    const target = `${local}@example.com`;
    const others = [`x${target}`, `${target}.pl`];
    for (const email of [target, ...others]) {
      expect(
        (await signedPost('/api/v1/contacts', { email, newsletter: 'subscribe', consents: [{ name: 'GDPR', accepted: true, at: new Date().toISOString() }] }))
          .status,
      ).toBe(202);
    }
    await consume(queue.take());
    await eraseContact(env, env.SHOP_API_SECRET!, target, { source: 'api' });
    for (const email of others) {
      expect((await signedPost('/api/v1/consents/proof', { email })).body.items).toHaveLength(2);
      expect(await env.CONSENTS.get(`consent:${email}`)).not.toBeNull();
    }
    expect((await signedPost('/api/v1/consents/proof', { email: target })).body.items).toEqual([]);
  });
});
