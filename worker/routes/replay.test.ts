// Replays of every signed route with a later opt-out in between (docs/trust.md, "Who may change what"):
// a person subscribes through a signed request, unsubscribes in SALESmanago (the simulator's unsubscribe
// and the opt-out callback), then someone re-sends what they saw. At the simulator and in the consent
// store, the person must stay opted out.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callbackKey } from '../consent/callback-key.ts';
import { readConsent } from '../consent/store.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import { hmacBase64 } from '../platforms/signature.ts';
import { itemsOf, type AcceptedContact, type QueueMessage } from '../queue/messages.ts';
import { consume, sim, simContact } from '../test/delivery-fixtures.ts';
import { env, postHook, SHOPIFY_DOMAIN, SHOPIFY_SECRET, shopifyCustomer, uniqueEmail, WOO_SECRET, wooCustomer, wooOrder } from '../test/platform-fixtures.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const META = '_newsletter_optin';
const wooBindings = () => ({ ...env, WOOCOMMERCE_NEWSLETTER_META_KEY: META });
const encoder = new TextEncoder();

/** What reaches the queue from now on; `take` hands over what was sent since the last take. */
function queue() {
  const spy = vi.spyOn(env.EVENTS, 'sendBatch');
  let seen = 0;
  return {
    take(): QueueMessage[] {
      const calls = spy.mock.calls.slice(seen);
      seen = spy.mock.calls.length;
      return calls.flatMap(([batch]) => [...batch].map((m) => m.body as QueueMessage));
    },
  };
}

const contactsOf = (messages: QueueMessage[]): AcceptedContact[] =>
  messages.flatMap((m) => itemsOf(m)).flatMap((i) => (i.kind === 'contact' ? [i.contact] : []));

async function request(path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

/** The person unsubscribes in SALESmanago: its status there, and the opt-out callback it makes. */
async function unsubscribeInSalesmanago(email: string): Promise<void> {
  await sim('/__sim/contacts/unsubscribe', { email });
  const key = await callbackKey(email, env.CALLBACK_SECRET!);
  expect((await request(`/callbacks/opt-out?email=${encodeURIComponent(email)}&key=${key}`, {})).status).toBe(200);
}

async function expectOptedOut(email: string): Promise<void> {
  expect((await simContact(email))?.optIn).toBe('opt-out');
  expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-out');
}

async function woo(topic: string, raw: string, deliveryId: string | null) {
  return postHook(
    '/hooks/woocommerce',
    raw,
    {
      'Content-Type': 'application/json',
      'X-WC-Webhook-Topic': topic,
      ...(deliveryId === null ? {} : { 'X-WC-Webhook-Delivery-ID': deliveryId }),
      'X-WC-Webhook-Signature': await hmacBase64(WOO_SECRET, encoder.encode(raw)),
    },
    wooBindings(),
  );
}

async function shopify(topic: string, raw: string, webhookId: string) {
  return postHook('/hooks/shopify', raw, {
    'Content-Type': 'application/json',
    'X-Shopify-Topic': topic,
    'X-Shopify-Hmac-Sha256': await hmacBase64(SHOPIFY_SECRET, encoder.encode(raw)),
    'X-Shopify-Shop-Domain': SHOPIFY_DOMAIN,
    'X-Shopify-Webhook-Id': webhookId,
  });
}

/** WooCommerce's *_gmt form (UTC without a zone) of a time. */
const wooGmt = (ms: number) => new Date(ms).toISOString().slice(0, 19);

describe('WooCommerce: a replayed subscribe after an opt-out in SALESmanago', { timeout: 30_000 }, () => {
  for (const topic of ['order.created', 'customer.created'] as const) {
    it(`${topic}: the same bytes under another delivery id, or none, are a duplicate; a re-sent older choice is dropped`, async () => {
      const q = queue();
      const email = uniqueEmail('replay');
      const meta = [{ id: 9, key: META, value: 'yes' }];
      const payload =
        topic === 'order.created'
          ? wooOrder({ email, status: 'processing', date_paid_gmt: '2026-11-20T13:04:00', meta_data: meta })
          : wooCustomer({ email, meta_data: meta });
      const raw = JSON.stringify(payload);

      const first = await woo(topic, raw, crypto.randomUUID());
      expect(first.body.status).toBe('accepted');
      const subscribed = q.take();
      expect(contactsOf(subscribed).map((c) => c.newsletter)).toEqual(['subscribe']);
      await consume(subscribed);
      expect((await simContact(email))?.optIn).toBe('opt-in');

      await unsubscribeInSalesmanago(email);

      // The identical signed bytes, under a new delivery id and under none.
      for (const id of [crypto.randomUUID(), null]) {
        const replay = await woo(topic, raw, id);
        expect(replay).toMatchObject({ status: 200, body: { status: 'duplicate' } });
      }
      expect(q.take()).toEqual([]);

      // The same statement in other bytes (WooCommerce fires again after an edit): still the old
      // choice, made before the opt-out, so it is no new statement; the contact flows without it.
      const edited = JSON.stringify({ ...payload, date_modified_gmt: wooGmt(Date.now()), first_name: 'Edited' });
      const again = await woo(topic, edited, crypto.randomUUID());
      expect(again.body.status).toBe('accepted');
      const later = q.take();
      const contacts = contactsOf(later);
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).not.toHaveProperty('newsletter');
      expect(contacts[0]?.trigger).not.toBe('newsletter');
      await consume(later);
      await expectOptedOut(email);
    });
  }

  it('a new choice made after the opt-out still counts', async () => {
    const q = queue();
    const email = uniqueEmail('resubscribe');
    const meta = [{ id: 9, key: META, value: 'yes' }];
    await woo('customer.created', JSON.stringify(wooCustomer({ email })), crypto.randomUUID());
    await unsubscribeInSalesmanago(email);
    q.take();
    const created = wooGmt(Date.now() + 2000);
    const order = wooOrder({ email, status: 'processing', date_paid_gmt: created, date_created_gmt: created, date_modified_gmt: created, meta_data: meta });
    expect((await woo('order.created', JSON.stringify(order), crypto.randomUUID())).body.status).toBe('accepted');
    const messages = q.take();
    expect(contactsOf(messages).map((c) => c.newsletter)).toEqual(['subscribe']);
    await consume(messages);
    expect((await simContact(email))?.optIn).toBe('opt-in');
  });

  it('a choice without any date yields to a stored change', async () => {
    const q = queue();
    const email = uniqueEmail('undated');
    await woo('customer.created', JSON.stringify(wooCustomer({ email })), crypto.randomUUID());
    await unsubscribeInSalesmanago(email);
    q.take();
    const undated = wooCustomer({ email, date_created_gmt: null, date_modified_gmt: null, meta_data: [{ id: 9, key: META, value: 'yes' }] });
    expect((await woo('customer.created', JSON.stringify(undated), crypto.randomUUID())).body.status).toBe('accepted');
    expect(contactsOf(q.take())[0]).not.toHaveProperty('newsletter');
  });
});

describe('Shopify: a replayed subscribe after an opt-out in SALESmanago', { timeout: 30_000 }, () => {
  it('customers/create re-sent under another webhook id is a duplicate; customers/update re-carrying the old state changes nothing', async () => {
    const q = queue();
    const customer = shopifyCustomer({
      email_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: '2026-11-20T14:03:00-05:00' },
    });
    const email = customer.email;
    const raw = JSON.stringify(customer);
    expect((await shopify('customers/create', raw, crypto.randomUUID())).body.status).toBe('accepted');
    const subscribed = q.take();
    expect(contactsOf(subscribed).map((c) => c.newsletter)).toEqual(['subscribe']);
    await consume(subscribed);
    expect((await simContact(email))?.optIn).toBe('opt-in');

    await unsubscribeInSalesmanago(email);

    expect(await shopify('customers/create', raw, crypto.randomUUID())).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect(q.take()).toEqual([]);
    const update = JSON.stringify({ ...customer, updated_at: new Date().toISOString(), note: 'edited' });
    expect((await shopify('customers/update', update, crypto.randomUUID())).body.status).toBe('accepted');
    const later = q.take();
    expect(contactsOf(later)[0]).not.toHaveProperty('newsletter');
    await consume(later);
    await expectOptedOut(email);
  });
});

describe('platform repeats are keyed by topic and body', { timeout: 30_000 }, () => {
  it('the same bytes under another topic are no repeat (Shopify sends one order as orders/create and orders/paid)', async () => {
    const raw = JSON.stringify(shopifyCustomer());
    expect((await shopify('customers/create', raw, crypto.randomUUID())).body.status).toBe('accepted');
    expect((await shopify('customers/update', raw, crypto.randomUUID())).body.status).toBe('accepted');
    expect((await shopify('customers/update', raw, crypto.randomUUID())).body.status).toBe('duplicate');
  });
});

describe('shop API: a replayed subscribe after an opt-out in SALESmanago', { timeout: 30_000 }, () => {
  const signed = async (path: string, raw: string, header?: string) => {
    const signature = header ?? (await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', path, raw));
    return {
      signature,
      answer: await request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': signature }, body: raw }),
    };
  };

  for (const path of ['/api/v1/contacts', '/api/v1/batch'] as const) {
    it(`${path}: the same request and signature again is refused (401 replay) and queues nothing`, async () => {
      const q = queue();
      const email = uniqueEmail('shop-replay');
      const contact = { email, newsletter: 'subscribe', trigger: 'newsletter' };
      const raw = JSON.stringify(path === '/api/v1/batch' ? { items: [{ kind: 'contact', ...contact }] } : contact);
      const first = await signed(path, raw);
      expect(first.answer.status).toBeLessThan(300);
      const subscribed = q.take();
      expect(contactsOf(subscribed).map((c) => c.newsletter)).toEqual(['subscribe']);
      await consume(subscribed);
      expect((await simContact(email))?.optIn).toBe('opt-in');

      await unsubscribeInSalesmanago(email);

      const replay = await signed(path, raw, first.signature);
      expect(replay.answer).toMatchObject({ status: 401, body: { error: expect.stringContaining('replay') } });
      expect(q.take()).toEqual([]);
      // A redelivered queue batch of the old subscribe changes nothing either (its row was delivered).
      await consume(subscribed);
      await expectOptedOut(email);
    });
  }
});
