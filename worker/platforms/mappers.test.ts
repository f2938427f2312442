// The platform mappers are plain functions: payload in, our event and contact shapes out, no HTTP.
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { mapShopifyCustomer, mapShopifyOrder, mapShopifyRefund, shopifyCustomerSchema, shopifyOrderSchema, shopifyRefundSchema } from './shopify.ts';
import { shopifyCustomer, shopifyOrder, shopifyRefund, wooOrder } from '../test/platform-fixtures.ts';
import { mapWooOrder, newsletterFromMeta, wooOrderSchema } from './woocommerce.ts';

const woo = { purchaseOnHold: false, newsletterMetaKey: null };
const NOW = Date.parse('2026-11-21T00:00:00Z');

describe('WooCommerce mapper', () => {
  it('takes the variation, then the product, then the SKU as product id; a line without a price gets total / quantity; empty lines are dropped', () => {
    const order = v.parse(
      wooOrderSchema,
      wooOrder({
        status: 'completed',
        line_items: [
          { name: 'A', product_id: 0, variation_id: 0, sku: 'SKU-A', quantity: 2, total: '10.00' },
          { name: 'B', product_id: 5, variation_id: 0, sku: '', quantity: 1, price: 3 },
          { name: 'Gratis', product_id: 6, variation_id: 0, quantity: 0, price: 0 },
        ],
      }),
    );
    const mapped = mapWooOrder(order, woo, NOW);
    expect(mapped.kind).toBe('items');
    if (mapped.kind !== 'items') return;
    expect(mapped.events[0]?.products).toEqual([
      { id: 'SKU-A', name: 'A', quantity: 2, price: 5 },
      { id: 5, name: 'B', quantity: 1, price: 3 },
    ]);
    // Without date_paid_gmt, the order's creation time (UTC) is when it happened.
    expect(mapped.events[0]?.occurredAt).toBe('2026-11-20T13:03:00Z');
  });

  it('an order without a billing e-mail is ignored with the reason', () => {
    const order = v.parse(wooOrderSchema, { ...wooOrder({ status: 'processing' }), billing: { first_name: 'X', email: '' } });
    expect(mapWooOrder(order, woo, NOW)).toEqual({ kind: 'ignored', reason: expect.stringContaining('has no billing e-mail') });
  });

  it('reads a newsletter meta value only for the configured key, and only stated choices', () => {
    const meta = (value: unknown) => [{ key: 'nl', value }];
    expect(newsletterFromMeta(meta('yes'), null)).toBeUndefined();
    expect(newsletterFromMeta(meta('yes'), 'nl')).toBe('subscribe');
    expect(newsletterFromMeta(meta(true), 'nl')).toBe('subscribe');
    expect(newsletterFromMeta(meta(' No '), 'nl')).toBe('unsubscribe');
    expect(newsletterFromMeta(meta(''), 'nl')).toBe('unsubscribe');
    expect(newsletterFromMeta(meta('maybe'), 'nl')).toBeUndefined();
    expect(newsletterFromMeta(meta({ a: 1 }), 'nl')).toBeUndefined();
    expect(newsletterFromMeta([], 'nl')).toBeUndefined();
  });

  it('an order never unsubscribes, and subscribes only on order.created', () => {
    const key = { ...woo, newsletterMetaKey: 'nl' };
    const order = (value: unknown) => v.parse(wooOrderSchema, wooOrder({ status: 'processing', meta_data: [{ key: 'nl', value }] }));
    for (const value of ['', 'no', '0', 'unsubscribed', false, 0]) {
      const mapped = mapWooOrder(order(value), key, NOW, 'order.created');
      expect(mapped.kind === 'items' && mapped.contacts).toEqual([]);
    }
    const yes = mapWooOrder(order('yes'), key, NOW, 'order.created');
    expect(yes).toMatchObject({ kind: 'items', contacts: [{ contact: { newsletter: 'subscribe', trigger: 'newsletter' } }] });
    const updated = mapWooOrder(order('yes'), key, NOW, 'order.updated');
    expect(updated.kind === 'items' && updated.contacts).toEqual([]);
  });
});

describe('Shopify mapper', () => {
  it('a refund carries its id, its refund transactions as value and its lines; the buyer is left to the ledger', () => {
    const refund = v.parse(
      shopifyRefundSchema,
      shopifyRefund(42, {
        transactions: [
          { kind: 'refund', status: 'success', amount: '100.10', currency: 'EUR' },
          { kind: 'refund', status: 'success', amount: '0.20', currency: 'EUR' },
          { kind: 'refund', status: 'failure', amount: '999.00', currency: 'EUR' },
          { kind: 'sale', status: 'success', amount: '5.00', currency: 'EUR' },
        ],
      }),
    );
    const mapped = mapShopifyRefund(refund, NOW);
    expect(mapped).toMatchObject({
      kind: 'items',
      refunds: [{ orderId: '42', returnId: String(refund.id), value: 100.3, currency: 'EUR', products: [{ id: '808950810', quantity: 1, price: 150 }] }],
    });
  });

  it("a customer's SMS consent needs a phone to be carried", () => {
    const c = v.parse(shopifyCustomerSchema, shopifyCustomer({ phone: null, default_address: null, sms_marketing_consent: { state: 'subscribed' } }));
    const mapped = mapShopifyCustomer(c, 'customers/create');
    expect(mapped.kind === 'items' && mapped.contacts[0]!.contact).not.toHaveProperty('sms');
  });

  it('a consent state is a statement with its consent_updated_at, named by customer id and time; without the time only on customers/create', () => {
    const at = '2026-11-20T14:03:00-05:00';
    const c = v.parse(
      shopifyCustomerSchema,
      shopifyCustomer({
        email_marketing_consent: { state: 'subscribed', consent_updated_at: at },
        sms_marketing_consent: { state: 'not_subscribed', consent_updated_at: at },
      }),
    );
    const mapped = mapShopifyCustomer(c, 'customers/update');
    expect(mapped).toMatchObject({
      kind: 'items',
      contacts: [
        { contact: { newsletter: 'subscribe', trigger: 'update' }, statedAt: { newsletter: Date.parse(at) }, statement: `${String(c.id)}:${Date.parse(at)}:-` },
      ],
    });
    const untimed = v.parse(shopifyCustomerSchema, shopifyCustomer({ email_marketing_consent: { state: 'unsubscribed', consent_updated_at: null } }));
    const update = mapShopifyCustomer(untimed, 'customers/update');
    expect(update.kind === 'items' && update.contacts[0]).toEqual({ contact: expect.not.objectContaining({ newsletter: expect.anything() }) });
    const create = mapShopifyCustomer(untimed, 'customers/create');
    expect(create).toMatchObject({
      kind: 'items',
      contacts: [{ contact: { newsletter: 'unsubscribe', trigger: 'registration' }, statement: `${String(untimed.id)}:created:-` }],
    });
  });

  it('an order without any e-mail is ignored; a bad locale is left out', () => {
    const none = v.parse(shopifyOrderSchema, shopifyOrder({ email: null, contact_email: null, customer: null }));
    expect(mapShopifyOrder(none, 'orders/paid', { purchaseOnCreate: true }, NOW).kind).toBe('ignored');
    const odd = v.parse(shopifyOrderSchema, shopifyOrder({ customer_locale: 'not a locale!' }));
    const mapped = mapShopifyOrder(odd, 'orders/paid', { purchaseOnCreate: true }, NOW);
    expect(mapped.kind === 'items' && mapped.events[0]).not.toHaveProperty('lang');
  });
});
