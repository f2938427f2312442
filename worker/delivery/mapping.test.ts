// The mapping table and the contact upserts that go with events: pure functions, no HTTP.
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { contactEventBody } from '../salesmanago/payloads.ts';
import { contactNeedOfEvent, contactNeedOfShopContact, mergeContactNeeds } from './contacts.ts';
import { DETAILS, EVENT_TYPE_OF, toContactEvent } from './mapping.ts';
import { EVENT_KINDS, type AcceptedEvent } from '../queue/messages.ts';
import { env } from '../test/delivery-fixtures.ts';

const ctx = { location: 'sm_edge_demo', shopDomains: ['sklep.example.pl', 'localhost'] };
const at = Date.UTC(2026, 10, 20, 13, 3);

function event(type: AcceptedEvent['type'], extra: Partial<AcceptedEvent> = {}): AcceptedEvent {
  return { id: `ev-${type}-12345678`, type, source: 'browser', occurredAt: at, receivedAt: at, ...extra };
}

const order = (type: 'purchase' | 'return' | 'cancellation', extra: Partial<AcceptedEvent> = {}) =>
  event(type, {
    id: `s:${type}:123`,
    source: 'shop',
    email: 'Jan@Example.com',
    emailVerified: true,
    value: 129.9,
    currency: 'pln',
    lang: 'pl',
    products: [
      { id: 'sku-1', name: 'Kubek', quantity: 2, price: 39.95 },
      { id: 'sku-2', name: 'Talerz', quantity: 1, price: 50 },
    ],
    order: { orderId: '123', loggedIn: false, paymentMethod: 'blik', shippingMethod: 'courier', ...(type === 'return' ? { returnId: 'R7' } : {}) },
    ...extra,
  });

describe('mapping table', () => {
  it('a Visit with viewed products: their ids in products and names in detail1, location set, no quantities or value', () => {
    const products = [
      { id: 'KUB-1', name: 'Kubek', quantity: 1, price: 39.9 },
      { id: '77', quantity: 1 },
    ];
    const visit = toContactEvent(event('visit', { url: 'https://sklep.example.pl/p/kubek', title: 'Kubek', products }), ctx);
    expect(visit).toMatchObject({ contactExtEventType: 'VISIT', products: 'KUB-1,77', location: 'sm_edge_demo' });
    expect(visit.details?.[0]).toBe('Kubek,');
    expect(visit.details?.[2]).toBeUndefined();
    expect(visit.value).toBeUndefined();
    // The same products in a Cart do carry quantities and a value.
    const cart = toContactEvent(event('cart', { products: [products[0]!] }), ctx);
    expect(cart).toMatchObject({ products: 'KUB-1', value: 39.9 });
    expect(cart.details?.[2]).toBe('1');
    // On the wire: products a comma-separated string, the names in detail1.
    const { body } = contactEventBody(visit);
    expect(body).toMatchObject({ contactExtEventType: 'VISIT', products: 'KUB-1,77', location: 'sm_edge_demo', detail1: 'Kubek,' });
    expect(body).not.toHaveProperty('detail3');
    expect(body).not.toHaveProperty('value');
  });

  it('maps each of the nine kinds to its contactExtEventType', () => {
    expect(EVENT_TYPE_OF).toEqual({
      visit: 'VISIT',
      cart: 'CART',
      login: 'LOGIN',
      offer: 'OFFER',
      newsletter: 'OTHER',
      survey: 'SURVEY',
      purchase: 'PURCHASE',
      return: 'RETURN',
      cancellation: 'CANCELLATION',
    });
    for (const kind of EVENT_KINDS) {
      const mapped = toContactEvent(event(kind, kind === 'purchase' || kind === 'return' || kind === 'cancellation' ? order(kind) : {}), ctx);
      expect(mapped.contactExtEventType).toBe(EVENT_TYPE_OF[kind]);
      expect(mapped.date).toBe(at);
      expect(mapped.location).toBe('sm_edge_demo');
      // Every mapped event passes the client's own checks (known type, ms date).
      expect(() => contactEventBody(mapped)).not.toThrow();
    }
  });

  it('order events: the plugin layout (description = payment method, details 1-9), then ours', () => {
    const purchase = toContactEvent(order('purchase'), ctx);
    expect(purchase).toMatchObject({
      contactExtEventType: 'PURCHASE',
      externalId: '123',
      value: 129.9,
      products: 'sku-1,sku-2',
      description: 'blik',
      shopDomain: 'sklep.example.pl',
    });
    expect(purchase.details).toEqual([
      'Kubek,Talerz',
      '123',
      '2/1',
      undefined,
      'courier',
      undefined,
      undefined,
      'pl',
      'PLN',
      undefined,
      undefined,
      undefined,
      'guest',
    ]);
    expect(DETAILS[0]).toMatch(/names/);
    expect(DETAILS[1]).toMatch(/order/);
    expect(DETAILS[2]).toMatch(/quantities/);
    expect(DETAILS[4]).toMatch(/shipping/);
    expect(DETAILS[7]).toMatch(/language/);
    expect(DETAILS[8]).toMatch(/currency/);

    const loggedIn = toContactEvent(order('purchase', { order: { orderId: '124', loggedIn: true } }), ctx);
    expect(loggedIn.description).toBe('Purchase of order 124 (logged-in customer)');
    expect(loggedIn.details?.[12]).toBe('logged-in');

    // RETURN and CANCELLATION: the plain order id, as the plugin; the return id is detail12.
    const ret = toContactEvent(order('return'), ctx);
    expect(ret).toMatchObject({ contactExtEventType: 'RETURN', externalId: '123', description: 'Return R7 of order 123' });
    expect(ret.details?.[11]).toBe('R7');
    const cancel = toContactEvent(order('cancellation'), ctx);
    expect(cancel).toMatchObject({ contactExtEventType: 'CANCELLATION', externalId: '123', description: 'Cancellation of order 123' });
  });

  it('browser events: externalId = event id, description from page or message, shop domain from the URL', () => {
    const visit = toContactEvent(event('visit', { url: 'https://www.sklep.example.pl/kubki?id=1', title: 'Kubki' }), ctx);
    expect(visit).toMatchObject({
      externalId: 'ev-visit-12345678',
      description: 'Kubki (https://www.sklep.example.pl/kubki?id=1)',
      shopDomain: 'www.sklep.example.pl',
    });
    expect(visit.details?.[9]).toBe('https://www.sklep.example.pl/kubki?id=1');
    expect(visit.value).toBeUndefined();

    const survey = toContactEvent(event('survey', { message: 'Czy wysyłacie do Czech?', url: 'https://sklep.example.pl/kontakt' }), ctx);
    expect(survey.description).toBe('Czy wysyłacie do Czech?');
    const newsletter = toContactEvent(event('newsletter'), ctx);
    expect(newsletter.description).toBe('Newsletter signup');
    expect(newsletter.shopDomain).toBe('sklep.example.pl'); // no URL: the first shop domain

    const cart = toContactEvent(
      event('cart', {
        products: [
          { id: 'a', quantity: 2, price: 10 },
          { id: 'b', quantity: 1, price: 5.5 },
        ],
      }),
      ctx,
    );
    expect(cart).toMatchObject({ contactExtEventType: 'CART', products: 'a,b', value: 25.5, description: 'Cart: 3 items' });
    expect(cart.details?.[2]).toBe('2/1');
    // The plugin's CART description is the cart's URL.
    expect(toContactEvent(event('cart', { url: 'https://sklep.example.pl/koszyk', products: [{ id: 'a', quantity: 1 }] }), ctx).description).toBe(
      'https://sklep.example.pl/koszyk',
    );
  });
});

describe('contact upserts by trigger and consent', () => {
  const config = readConfig(env);
  const doiConfig = { ...config, doubleOptIn: { enabled: true, emailId: 'doi-1', language: 'PL' } };
  const riskyConfig = { ...config, browserSignupOptIn: true };

  it('purchases tag by buyer kind and never opt anyone out', () => {
    const guest = contactNeedOfEvent(order('purchase'), config);
    expect(guest?.upsert).toMatchObject({ email: 'jan@example.com', consent: 'no-change', tags: config.tags.purchaseGuest, lang: 'pl' });
    expect(guest?.always).toBe(true);
    const member = contactNeedOfEvent(order('purchase', { order: { orderId: '1', loggedIn: true } }), config);
    expect(member?.upsert.tags).toEqual(config.tags.purchaseLoggedIn);
    for (const kind of ['return', 'cancellation'] as const) {
      const need = contactNeedOfEvent(order(kind), config);
      expect(need?.upsert.consent).toBe('no-change');
      expect(need?.upsert.tags).toBeUndefined();
      expect(need?.always).toBe(false);
    }
  });

  it('a browser newsletter form (unverified e-mail): no consent change by default, the setting forces opt-in, double opt-in only asks', () => {
    // Issue 10 item 1: the e-mail was typed by anyone; consent/browser-signup.ts.
    const plain = contactNeedOfEvent(event('newsletter', { email: 'a@example.com' }), config);
    expect(plain?.upsert).toEqual({ email: 'a@example.com', consent: 'no-change' });
    const risky = contactNeedOfEvent(event('newsletter', { email: 'a@example.com' }), riskyConfig);
    expect(risky?.upsert).toMatchObject({ consent: 'subscribe', tags: config.tags.newsletter });
    expect(risky?.upsert.doubleOptIn).toBeUndefined();
    const doi = contactNeedOfEvent(event('newsletter', { email: 'a@example.com' }), doiConfig);
    expect(doi?.upsert).toEqual({ email: 'a@example.com', consent: 'subscribe', doubleOptIn: { emailId: 'doi-1', language: 'PL' } });
    // A known opt-out is never overridden, whatever the settings.
    for (const c of [riskyConfig, doiConfig]) {
      expect(contactNeedOfEvent(event('newsletter', { email: 'a@example.com', knownOptOut: true }), c)?.upsert).toEqual({
        email: 'a@example.com',
        consent: 'no-change',
      });
    }
    // Other forms say nothing about the newsletter.
    expect(contactNeedOfEvent(event('survey', { email: 'a@example.com', name: 'Ala' }), doiConfig)?.upsert).toMatchObject({
      consent: 'no-change',
      name: 'Ala',
    });
    expect(contactNeedOfEvent(event('visit'), config)).toBeNull();
  });

  it('shop contacts: registration and newsletter tags, explicit subscribe/unsubscribe only', () => {
    const base = { id: 'c1', receivedAt: at, email: 'Ala@Example.com' };
    expect(contactNeedOfShopContact({ ...base, trigger: 'registration' }, config).upsert).toEqual({
      email: 'ala@example.com',
      consent: 'no-change',
      tags: config.tags.registration,
    });
    expect(contactNeedOfShopContact({ ...base, trigger: 'newsletter', newsletter: 'subscribe' }, doiConfig).upsert).toEqual({
      email: 'ala@example.com',
      consent: 'subscribe',
      tags: config.tags.newsletter,
      doubleOptIn: { emailId: 'doi-1', language: 'PL' },
    });
    expect(contactNeedOfShopContact({ ...base, newsletter: 'unsubscribe', trigger: 'update' }, config).upsert).toEqual({
      email: 'ala@example.com',
      consent: 'unsubscribe',
    });
    expect(contactNeedOfShopContact({ ...base, trigger: 'login' }, config).upsert.consent).toBe('no-change');
  });

  it('merging: a later purchase (no-change) keeps an earlier explicit subscribe, tags are united', () => {
    // Needs merge by when the worker received them (a shopper's clock never decides consent).
    const subscribe = contactNeedOfEvent(event('newsletter', { email: 'a@example.com', occurredAt: at, receivedAt: at }), riskyConfig)!;
    const purchase = contactNeedOfEvent(order('purchase', { email: 'a@example.com', occurredAt: at + 1000, receivedAt: at + 1000 }), config)!;
    const merged = mergeContactNeeds([purchase, subscribe]);
    expect(merged.upsert.consent).toBe('subscribe');
    expect(merged.upsert.tags).toEqual([...config.tags.newsletter, ...config.tags.purchaseGuest]);
    const unsubscribeLater = mergeContactNeeds([
      subscribe,
      contactNeedOfShopContact({ id: 'x', receivedAt: at + 5, email: 'a@example.com', newsletter: 'unsubscribe' }, doiConfig),
    ]);
    expect(unsubscribeLater.upsert.consent).toBe('unsubscribe');
    expect(unsubscribeLater.upsert.doubleOptIn).toBeUndefined();
  });
});
