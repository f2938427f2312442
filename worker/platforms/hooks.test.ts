// POST /hooks/woocommerce and /hooks/shopify in workerd: signatures, pings, topics, validation,
// repeats, and what lands in the ledger and on the queue.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consentKey, readConsent } from '../consent/store.ts';
import { itemsOf, type AcceptedContact, type AcceptedEvent, type QueueMessage } from '../queue/messages.ts';
import { deliveryById, lastDelivery, UNAUTHENTICATED_ID } from './deliveries.ts';
import { hmacBase64 } from './signature.ts';
import {
  env,
  nextId,
  postHook,
  sendShopify,
  sendWoo,
  shopifyCustomer,
  shopifyOrder,
  shopifyRefund,
  SHOPIFY_DOMAIN,
  SHOPIFY_SECRET,
  uniqueEmail,
  WOO_SECRET,
  wooCustomer,
  wooOrder,
} from '../test/platform-fixtures.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

function queued(): { events: () => AcceptedEvent[]; contacts: () => AcceptedContact[] } {
  const spy = vi.spyOn(env.EVENTS, 'sendBatch');
  const items = () => spy.mock.calls.flatMap(([batch]) => [...batch].flatMap((m) => itemsOf(m.body as QueueMessage)));
  return {
    events: () => items().flatMap((i) => (i.kind === 'event' ? [i.event] : [])),
    contacts: () => items().flatMap((i) => (i.kind === 'contact' ? [i.contact] : [])),
  };
}

const encoder = new TextEncoder();

describe('WooCommerce signature', () => {
  const order = () => wooOrder({ status: 'processing', date_paid_gmt: '2026-11-20T13:04:00' });
  const headers = (signature: string | null) => ({
    'Content-Type': 'application/json',
    'X-WC-Webhook-Topic': 'order.created',
    'X-WC-Webhook-Delivery-ID': crypto.randomUUID(),
    ...(signature === null ? {} : { 'X-WC-Webhook-Signature': signature }),
  });

  it('accepts the base64 HMAC-SHA256 of the raw body', async () => {
    const raw = JSON.stringify(order());
    const res = await postHook('/hooks/woocommerce', raw, headers(await hmacBase64(WOO_SECRET, encoder.encode(raw))));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('accepted');
  });

  it('refuses a wrong secret, a missing header, a body altered by one byte, and a hex digest', async () => {
    const raw = JSON.stringify(order());
    const good = await hmacBase64(WOO_SECRET, encoder.encode(raw));
    const wrong = await postHook('/hooks/woocommerce', raw, headers(await hmacBase64('not-the-secret', encoder.encode(raw))));
    expect(wrong).toMatchObject({ status: 401, body: { error: expect.stringContaining('does not match') } });
    const missing = await postHook('/hooks/woocommerce', raw, headers(null));
    expect(missing).toMatchObject({ status: 401, body: { error: 'missing X-WC-Webhook-Signature header' } });
    const altered = raw.replace('"129.90"', '"129.91"');
    expect(altered).not.toBe(raw);
    expect((await postHook('/hooks/woocommerce', altered, headers(good))).status).toBe(401);
    const key = await crypto.subtle.importKey('raw', encoder.encode(WOO_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const hex = [...new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(raw)))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const confused = await postHook('/hooks/woocommerce', raw, headers(hex));
    expect(confused).toMatchObject({ status: 401, body: { error: expect.stringContaining('hex digest') } });
    // The latest unauthenticated refusal is visible (one row per platform, overwritten).
    expect(await deliveryById(env.LEDGER, 'woocommerce', UNAUTHENTICATED_ID)).toMatchObject({ outcome: 'refused', httpStatus: 401 });
  });

  it('refuses every delivery while WOOCOMMERCE_WEBHOOK_SECRET is not set', async () => {
    const res = await sendWoo('order.created', order(), { bindings: { ...env, WOOCOMMERCE_WEBHOOK_SECRET: '' } });
    expect(res).toMatchObject({ status: 401, body: { error: 'WOOCOMMERCE_WEBHOOK_SECRET is not configured on the worker' } });
  });
});

describe('WooCommerce ping and topics', () => {
  it('answers the ping (form body webhook_id=<id>, no topic, no signature) with 200 and queues nothing', async () => {
    const q = queued();
    const res = await postHook('/hooks/woocommerce', 'webhook_id=42', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res).toEqual({ status: 200, body: { status: 'ping', webhookId: '42' } });
    expect(q.events()).toHaveLength(0);
    expect(await lastDelivery(env.LEDGER, 'woocommerce')).toMatchObject({ outcome: 'ping' });
  });

  // Signed means kept (receive.ts): WooCommerce never retries and disables a webhook after 5 failures.
  it('keeps a signed delivery of an unknown topic (200, kept with the reason and body)', async () => {
    const deliveryId = crypto.randomUUID();
    const res = await sendWoo('coupon.updated', { id: 1 }, { deliveryId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'kept', reason: expect.stringContaining('"coupon.updated" is not handled') });
    expect(await deliveryById(env.LEDGER, 'woocommerce', deliveryId)).toMatchObject({
      outcome: 'kept',
      httpStatus: 200,
      reason: res.body.reason,
      body: '{"id":1}',
    });
  });

  it('keeps topics named like Object members (found by fuzzing: "valueOf" was a 500)', async () => {
    for (const topic of ['valueOf', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await sendWoo(topic, wooCustomer());
      expect(res.status, topic).toBe(200);
      expect(res.body.reason).toContain('is not handled here');
    }
  });

  it('keeps a malformed order, naming the field', async () => {
    const res = await sendWoo('order.updated', { ...wooOrder({ status: 'processing' }), line_items: 'none' });
    expect(res).toMatchObject({ status: 200, body: { status: 'kept', reason: expect.stringContaining('line_items: must be an array of line items') } });
    const bad = await sendWoo('order.updated', { ...wooOrder({ status: 'processing' }), total: 'dużo' });
    expect(bad.body.reason).toContain('total: must be a number or a decimal string');
  });

  it('keeps an order whose billing e-mail is not an address, naming it', async () => {
    const res = await sendWoo('order.updated', wooOrder({ status: 'processing', email: 'not-an-address' }));
    expect(res.status).toBe(200);
    expect(res.body.reason).toMatch(/^order \d+ → purchase: email: must be a valid e-mail address/);
  });
});

describe('WooCommerce orders', () => {
  it('maps a paid order to one purchase with billing, lines (variations), payment and shipping', async () => {
    const q = queued();
    const order = wooOrder({ status: 'processing', date_paid_gmt: '2026-11-20T13:04:00' });
    const res = await sendWoo('order.created', order);
    expect(res.status).toBe(200);
    const [event] = q.events();
    expect(event).toMatchObject({
      id: `s:purchase:${order.id}`,
      type: 'purchase',
      email: order.billing.email,
      name: 'Zażółć Gęślą-Jaźń',
      phone: '+48 600 100 200',
      company: 'Łódzka Spółka z o.o.',
      value: 129.9,
      currency: 'PLN',
      occurredAt: Date.parse('2026-11-20T13:04:00Z'),
      products: [
        { id: '101', name: 'Kubek ceramiczny – niebieski', quantity: 2, price: 39.9 },
        { id: '22', name: 'Herbata Yerba', quantity: 1, price: 35.1 },
      ],
      order: { orderId: String(order.id), loggedIn: true, paymentMethod: 'Przelew bankowy', shippingMethod: 'Kurier InPost' },
    });
  });

  it('a guest order (customer_id 0) with no phone is a guest purchase without a phone', async () => {
    const q = queued();
    const order = wooOrder({ status: 'completed', customer_id: 0 });
    order.billing.phone = '';
    await sendWoo('order.updated', order);
    const [event] = q.events();
    expect(event?.order?.loggedIn).toBe(false);
    expect(event).not.toHaveProperty('phone');
  });

  it('pending, failed and on-hold orders are ignored (200, recorded); on-hold counts when switched on', async () => {
    for (const status of ['pending', 'failed', 'on-hold', 'checkout-draft']) {
      const res = await sendWoo('order.updated', wooOrder({ status }));
      expect(res).toMatchObject({ status: 200, body: { status: 'ignored', reason: expect.stringContaining(`status "${status}"`) } });
    }
    const q = queued();
    const res = await sendWoo('order.updated', wooOrder({ status: 'on-hold' }), { bindings: { ...env, WOOCOMMERCE_PURCHASE_ON_HOLD: 'true' } });
    expect(res.body.status).toBe('accepted');
    expect(q.events().map((e) => e.type)).toEqual(['purchase']);
  });

  it('a repeated delivery id is answered 200 "duplicate" and changes nothing', async () => {
    const q = queued();
    const deliveryId = crypto.randomUUID();
    const order = wooOrder({ status: 'processing' });
    expect((await sendWoo('order.created', order, { deliveryId })).body.status).toBe('accepted');
    const again = await sendWoo('order.created', order, { deliveryId });
    expect(again).toEqual({ status: 200, body: { status: 'duplicate', deliveryId } });
    expect(q.events()).toHaveLength(1);
  });

  it("two orders delivered by one webhook in the same second share WooCommerce's delivery id: both are purchases", async () => {
    // WooCommerce's delivery id is a hash of the webhook id and the current second (found by the real
    // shop: the second of two orders placed together was answered "duplicate" and lost).
    const q = queued();
    const deliveryId = crypto.randomUUID();
    const first = wooOrder({ status: 'processing' });
    const second = wooOrder({ status: 'processing' });
    expect((await sendWoo('order.created', first, { deliveryId })).body.status).toBe('accepted');
    const other = await sendWoo('order.created', second, { deliveryId });
    expect(other.body.status).toBe('accepted');
    expect(other.body.deliveryId).not.toBe(deliveryId);
    expect(
      q
        .events()
        .map((e) => e.id)
        .sort(),
    ).toEqual([`s:purchase:${first.id}`, `s:purchase:${second.id}`].sort());
    // Each is still recognised when repeated, and the first delivery's row was not overwritten.
    expect((await sendWoo('order.created', second, { deliveryId })).body.status).toBe('duplicate');
    expect(await deliveryById(env.LEDGER, 'woocommerce', deliveryId)).toMatchObject({ items: [`s:purchase:${first.id}`] });
  });

  it('a deleted order is acknowledged and recorded as ignored', async () => {
    const deliveryId = crypto.randomUUID();
    const res = await sendWoo('order.deleted', { id: nextId() }, { deliveryId });
    expect(res).toMatchObject({ status: 200, body: { status: 'ignored' } });
    expect(await deliveryById(env.LEDGER, 'woocommerce', deliveryId)).toMatchObject({ outcome: 'ignored' });
  });

  it('maps each refund to a return with the refund id, and multi-currency orders keep their currency', async () => {
    const q = queued();
    const order = wooOrder({
      status: 'refunded',
      currency: 'EUR',
      total: '30.00',
      refunds: [
        { id: 726, reason: '', total: '-10.00' },
        { id: 727, reason: 'Uszkodzony', total: '-20.00' },
      ],
    });
    await sendWoo('order.updated', order);
    const events = q.events();
    expect(events.map((e) => [e.type, e.order?.returnId ?? null, e.value, e.currency])).toEqual([
      ['purchase', null, 30, 'EUR'],
      ['return', '726', 10, 'EUR'],
      ['return', '727', 20, 'EUR'],
    ]);
  });
});

describe('WooCommerce customers', () => {
  it('customer.created is a contact with trigger registration and no consent change', async () => {
    const q = queued();
    const customer = wooCustomer();
    const res = await sendWoo('customer.created', customer);
    expect(res.body.status).toBe('accepted');
    const [contact] = q.contacts();
    expect(contact).toMatchObject({ email: customer.email, name: 'Zoë Kowalska', company: 'Łódzka Spółka z o.o.', trigger: 'registration' });
    expect(contact).not.toHaveProperty('newsletter');
    expect(contact).not.toHaveProperty('phone');
    expect((await sendWoo('customer.updated', wooCustomer())).body.status).toBe('accepted');
    expect(q.contacts()[1]?.trigger).toBe('update');
  });

  it('a configured newsletter meta key gives the newsletter choice, stored as the consent', async () => {
    const q = queued();
    const bindings = { ...env, WOOCOMMERCE_NEWSLETTER_META_KEY: '_newsletter_optin' };
    const customer = wooCustomer({ meta_data: [{ id: 5, key: '_newsletter_optin', value: 'yes' }] });
    await sendWoo('customer.created', customer, { bindings });
    expect(q.contacts()[0]?.newsletter).toBe('subscribe');
    expect((await readConsent(env.CONSENTS, customer.email))?.status).toBe('opt-in');
    // customer.updated re-carries the stored meta: it is no new choice, whichever way it points.
    const off = wooCustomer({ meta_data: [{ id: 5, key: '_newsletter_optin', value: '0' }] });
    await sendWoo('customer.updated', off, { bindings });
    expect(q.contacts()[1]).toMatchObject({ email: off.email, trigger: 'update' });
    expect(q.contacts()[1]).not.toHaveProperty('newsletter');
    // Without the key configured, the same meta changes nothing.
    await sendWoo('customer.updated', customer);
    expect(q.contacts()[2]).not.toHaveProperty('newsletter');
  });

  it('customer.updated re-carrying a stored subscribe does not override a later unsubscribe; its name still flows', async () => {
    const q = queued();
    const bindings = { ...env, WOOCOMMERCE_NEWSLETTER_META_KEY: '_newsletter_optin' };
    const customer = wooCustomer({ first_name: 'Ala', meta_data: [{ id: 5, key: '_newsletter_optin', value: 'yes' }] });
    await sendWoo('customer.updated', customer, { bindings });
    const [contact] = q.contacts();
    expect(contact).toMatchObject({ email: customer.email, name: 'Ala Kowalska', trigger: 'update' });
    expect(contact).not.toHaveProperty('newsletter');
    expect(await readConsent(env.CONSENTS, customer.email)).toBeNull();
  });

  it('customer.created with an unticked box ("", "no", "0") changes no consent', async () => {
    const q = queued();
    const bindings = { ...env, WOOCOMMERCE_NEWSLETTER_META_KEY: '_newsletter_optin' };
    for (const value of ['', 'no', '0']) {
      const customer = wooCustomer({ meta_data: [{ id: 5, key: '_newsletter_optin', value }] });
      await sendWoo('customer.created', customer, { bindings });
      expect(await readConsent(env.CONSENTS, customer.email)).toBeNull();
    }
    expect(q.contacts().map((c) => c.newsletter ?? null)).toEqual([null, null, null]);
    expect(q.contacts().map((c) => c.trigger)).toEqual(['registration', 'registration', 'registration']);
  });
});

describe('WooCommerce order newsletter meta', () => {
  const bindings = () => ({ ...env, WOOCOMMERCE_NEWSLETTER_META_KEY: '_newsletter_optin' });
  const order = (value: unknown) =>
    wooOrder({ status: 'processing', date_paid_gmt: '2026-11-20T13:04:00', meta_data: [{ id: 9, key: '_newsletter_optin', value }] });

  it('an order never unsubscribes: an unticked checkout box gives no contact and no consent change', async () => {
    const q = queued();
    for (const value of ['', 'no', '0', 'unsubscribe', false, 0]) {
      const o = order(value);
      const res = await sendWoo('order.created', o, { bindings: bindings() });
      expect(res.body.status).toBe('accepted');
      expect(await readConsent(env.CONSENTS, o.billing.email)).toBeNull();
    }
    expect(q.contacts()).toEqual([]);
    expect(q.events()).toHaveLength(6);
  });

  it('a subscribe at checkout (order.created) is a newsletter contact; order.updated re-carrying it is not', async () => {
    const q = queued();
    const o = order('yes');
    await sendWoo('order.created', o, { bindings: bindings() });
    expect(q.contacts()).toHaveLength(1);
    expect(q.contacts()[0]).toMatchObject({ email: o.billing.email, newsletter: 'subscribe', trigger: 'newsletter' });
    expect((await readConsent(env.CONSENTS, o.billing.email))?.status).toBe('opt-in');
    const later = order('yes');
    await sendWoo('order.updated', later, { bindings: bindings() });
    expect(q.contacts()).toHaveLength(1);
    expect(await readConsent(env.CONSENTS, later.billing.email)).toBeNull();
  });
});

describe('Shopify', () => {
  it('verifies the signature and the shop domain', async () => {
    const order = shopifyOrder();
    expect((await sendShopify('orders/paid', order, { secret: 'wrong' })).status).toBe(401);
    const other = await sendShopify('orders/paid', order, { domain: 'someone-else.myshopify.com' });
    expect(other).toMatchObject({ status: 403, body: { error: expect.stringContaining('is not the configured shop') } });
    const raw = JSON.stringify(order);
    const noHeader = await postHook('/hooks/shopify', raw, { 'X-Shopify-Topic': 'orders/paid', 'X-Shopify-Shop-Domain': 'sm-edge-demo.myshopify.com' });
    expect(noHeader).toMatchObject({ status: 401, body: { error: 'missing X-Shopify-Hmac-Sha256 header' } });
    const sig = await hmacBase64(SHOPIFY_SECRET, encoder.encode(raw));
    const altered = await postHook('/hooks/shopify', `${raw} `, {
      'X-Shopify-Topic': 'orders/paid',
      'X-Shopify-Hmac-Sha256': sig,
      'X-Shopify-Shop-Domain': 'sm-edge-demo.myshopify.com',
    });
    expect(altered.status).toBe(401);
  });

  it('orders/paid is a purchase: shop currency, variants, guest from customer.state; orders/create paid is the same purchase', async () => {
    const q = queued();
    const order = shopifyOrder();
    expect((await sendShopify('orders/create', order)).body.status).toBe('accepted');
    const paid = await sendShopify('orders/paid', order);
    expect(paid.body).toMatchObject({ status: 'accepted', items: [{ id: `s:purchase:${order.id}`, status: 'duplicate' }] });
    const events = q.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'purchase',
      email: order.email,
      name: 'Björk Guðmundsdóttir',
      value: 199,
      currency: 'EUR',
      lang: 'is-IS',
      products: [
        { id: '808950810', name: 'Lopapeysa – L / Grár', quantity: 1, price: 150 },
        { id: '632910393', name: 'Lakkrís', quantity: 3, price: 13 },
      ],
      order: { orderId: String(order.id), loggedIn: false, paymentMethod: 'shopify_payments', shippingMethod: 'Standard Shipping' },
    });
  });

  it("a 64-bit order id beyond 2^53 (Shopify's sample order) keeps its digits", async () => {
    const q = queued();
    const big = String(8209829119461545n * 100n + BigInt(nextId() % 100)); // > Number.MAX_SAFE_INTEGER
    const raw = JSON.stringify(shopifyOrder({ id: 'BIG' })).replaceAll('"BIG"', big);
    const res = await postHook('/hooks/shopify', raw, {
      'Content-Type': 'application/json',
      'X-Shopify-Topic': 'orders/paid',
      'X-Shopify-Hmac-Sha256': await hmacBase64(SHOPIFY_SECRET, encoder.encode(raw)),
      'X-Shopify-Shop-Domain': SHOPIFY_DOMAIN,
      'X-Shopify-Webhook-Id': crypto.randomUUID(),
    });
    expect(res.body).toMatchObject({ status: 'accepted', items: [{ id: `s:purchase:${big}`, status: 'queued' }] });
    expect(q.events()[0]).toMatchObject({ order: { orderId: big } });
  });

  it('orders/create that is not paid (or with the switch off) waits for orders/paid', async () => {
    const pending = await sendShopify('orders/create', shopifyOrder({ financial_status: 'pending' }));
    expect(pending.body.status).toBe('ignored');
    const off = await sendShopify('orders/create', shopifyOrder(), { bindings: { ...env, SHOPIFY_PURCHASE_ON_CREATE: 'false' } });
    expect(off.body.status).toBe('ignored');
  });

  it('orders/cancelled is a cancellation; refunds/create a return of the purchased order, its buyer from the ledger', async () => {
    const q = queued();
    const order = shopifyOrder();
    const early = await sendShopify('refunds/create', shopifyRefund(order.id));
    expect(early).toMatchObject({ status: 200, body: { status: 'kept' } });
    expect(early.body.reason).toContain('no purchase of this order was received yet');
    await sendShopify('orders/paid', order);
    const refund = shopifyRefund(order.id);
    expect((await sendShopify('refunds/create', refund)).body.status).toBe('accepted');
    await sendShopify('orders/cancelled', { ...order, cancelled_at: '2026-11-23T09:00:00-05:00' });
    const events = q.events();
    expect(events.map((e) => e.type)).toEqual(['purchase', 'return', 'cancellation']);
    expect(events[1]).toMatchObject({
      email: order.email,
      value: 150,
      currency: 'EUR',
      order: { returnId: String(refund.id) },
      products: [{ id: '808950810', quantity: 1 }],
    });
  });

  it('customers: e-mail and SMS marketing consent map to subscribe/unsubscribe, anything else to no change', async () => {
    const q = queued();
    const subscribed = shopifyCustomer({
      email_marketing_consent: { state: 'subscribed', opt_in_level: 'confirmed_opt_in', consent_updated_at: '2026-11-20T14:03:00-05:00' },
      sms_marketing_consent: { state: 'unsubscribed', opt_in_level: 'single_opt_in', consent_updated_at: null, consent_collected_from: 'SHOPIFY' },
    });
    await sendShopify('customers/create', subscribed);
    expect(q.contacts()[0]).toMatchObject({
      email: subscribed.email,
      newsletter: 'subscribe',
      sms: 'unsubscribe',
      trigger: 'registration',
      phone: '+3545551234',
    });
    for (const state of ['not_subscribed', 'pending', 'redacted', 'invalid']) {
      await sendShopify('customers/update', shopifyCustomer({ email_marketing_consent: { state }, sms_marketing_consent: { state } }));
    }
    for (const c of q.contacts().slice(1)) {
      expect(c).not.toHaveProperty('newsletter');
      expect(c).not.toHaveProperty('sms');
      expect(c.trigger).toBe('update');
    }
    const noEmail = await sendShopify('customers/create', shopifyCustomer({ email: null }));
    expect(noEmail.body.status).toBe('ignored');
  });

  describe('customers/update re-carries the stored consent state: only a new statement counts', () => {
    const statedAt = '2026-11-20T14:03:00-05:00';
    const storeSays = (email: string, status: 'opt-in' | 'opt-out', changedAt: number) =>
      env.CONSENTS.put(consentKey(email.toLowerCase()), JSON.stringify({ status, changedAt, source: 'salesmanago' }));

    it('a later unsubscribe through SALESmanago is not overridden by the stored "subscribed"; the name still flows', async () => {
      const q = queued();
      const customer = shopifyCustomer({
        first_name: 'Ada',
        email_marketing_consent: { state: 'subscribed', opt_in_level: 'confirmed_opt_in', consent_updated_at: statedAt },
        sms_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: statedAt, consent_collected_from: 'SHOPIFY' },
      });
      const unsubscribedAt = Date.parse(statedAt) + 86_400_000;
      await storeSays(customer.email, 'opt-out', unsubscribedAt);
      const res = await sendShopify('customers/update', customer, { bindings: { ...env, DOUBLE_OPT_IN: 'true' } });
      expect(res.body.status).toBe('accepted');
      const [contact] = q.contacts();
      expect(contact).toMatchObject({ email: customer.email, name: 'Ada Guðmundsdóttir', phone: '+3545551234', trigger: 'update' });
      expect(contact).not.toHaveProperty('newsletter');
      expect(contact).not.toHaveProperty('sms');
      expect(await readConsent(env.CONSENTS, customer.email.toLowerCase())).toMatchObject({ status: 'opt-out', changedAt: unsubscribedAt });
    });

    it('without consent_updated_at a state counts only on customers/create', async () => {
      const q = queued();
      const customer = shopifyCustomer({
        email_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: null },
        sms_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: null, consent_collected_from: 'SHOPIFY' },
      });
      await sendShopify('customers/update', customer);
      expect(q.contacts()[0]).not.toHaveProperty('newsletter');
      expect(q.contacts()[0]).not.toHaveProperty('sms');
      expect(await readConsent(env.CONSENTS, customer.email.toLowerCase())).toBeNull();
      await sendShopify('customers/create', customer);
      expect(q.contacts()[1]).toMatchObject({ newsletter: 'subscribe', sms: 'subscribe', trigger: 'registration' });
    });

    it("a newer statement counts once: its contact id is the statement's, the next updates carry no choice", async () => {
      const q = queued();
      const customer = shopifyCustomer({
        email_marketing_consent: { state: 'subscribed', opt_in_level: 'confirmed_opt_in', consent_updated_at: statedAt },
        sms_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: statedAt, consent_collected_from: 'SHOPIFY' },
      });
      await storeSays(customer.email, 'opt-out', Date.parse(statedAt) - 86_400_000);
      await sendShopify('customers/update', customer);
      const first = q.contacts()[0]!;
      expect(first).toMatchObject({ newsletter: 'subscribe', sms: 'subscribe', trigger: 'update' });
      const ms = Date.parse(statedAt);
      expect(first.id).toBe(`c:shopify:s:${String(customer.id)}:${ms}:${ms}`);
      expect((await readConsent(env.CONSENTS, customer.email.toLowerCase()))?.status).toBe('opt-in');
      // Later edits (new webhook ids) re-carry the same statement: the contact flows, the choice does not.
      await sendShopify('customers/update', { ...customer, first_name: 'Ada' });
      const second = q.contacts()[1]!;
      expect(second).toMatchObject({ name: 'Ada Guðmundsdóttir', trigger: 'update' });
      expect(second).not.toHaveProperty('newsletter');
      expect(second).not.toHaveProperty('sms');
      expect(second.id).not.toBe(first.id);
      // Even with the consent store unaware (an SMS-only choice, or a lost KV write), the ledger knows it.
      await env.CONSENTS.delete(consentKey(customer.email.toLowerCase()));
      await sendShopify('customers/update', { ...customer, first_name: 'Ola' });
      const third = q.contacts()[2]!;
      expect(third).toMatchObject({ name: 'Ola Guðmundsdóttir' });
      expect(third).not.toHaveProperty('newsletter');
      expect(third).not.toHaveProperty('sms');
    });
  });

  it('a repeated X-Shopify-Webhook-Id changes nothing; a malformed payload is kept, naming the field', async () => {
    const q = queued();
    const webhookId = crypto.randomUUID();
    const customer = shopifyCustomer();
    await sendShopify('customers/update', customer, { webhookId });
    expect((await sendShopify('customers/update', customer, { webhookId })).body.status).toBe('duplicate');
    expect(q.contacts()).toHaveLength(1);
    const bad = await sendShopify('orders/paid', { ...shopifyOrder(), line_items: [{ quantity: 'one' }] });
    expect(bad).toMatchObject({ status: 200, body: { status: 'kept', reason: expect.stringContaining('line_items[0].quantity: must be a number') } });
    const unknown = await sendShopify('collections/update', { id: 1 });
    expect(unknown.status).toBe(200);
    expect(unknown.body.reason).toContain(
      'subscribe only to: orders/create, orders/paid, orders/cancelled, refunds/create, customers/create, customers/update',
    );
  });

  it('a guest with a phone-only customer record still buys by the order e-mail', async () => {
    const q = queued();
    const email = uniqueEmail('guest');
    await sendShopify('orders/paid', shopifyOrder({ email, contact_email: email, customer: null, billing_address: null }));
    expect(q.events()[0]).toMatchObject({ email: email.toLowerCase(), order: { loggedIn: false } });
  });
});
