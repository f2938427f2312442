// Test-only: platform payloads shaped as the platforms document them (WooCommerce REST API v3 order and
// customer objects, as webhooks of API version 3 send them; Shopify Admin REST webhook payloads of
// orders/*, refunds/create and customers/*), with the oddities real shops produce, and signed sending.
// WooCommerce field names and types: woocommerce/woocommerce-rest-api-docs, source/includes/wp-api-v3/
// _orders.md ("Order properties", "Order - Refunds properties": {id, reason, total}) and _customers.md.
// Shopify: the Admin REST Order, Refund and Customer resources (money as decimal strings, refund line
// subtotals as numbers, 64-bit line item ids beyond JavaScript's safe integers).
import { env as workerEnv } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import type { Env } from '../env.ts';
import { app } from '../index.ts';
import { hmacBase64 } from '../platforms/signature.ts';

export const env: Env = workerEnv;
export const WOO_SECRET = env.WOOCOMMERCE_WEBHOOK_SECRET!;
export const SHOPIFY_SECRET = env.SHOPIFY_WEBHOOK_SECRET!;
export const SHOPIFY_DOMAIN = env.SHOPIFY_SHOP_DOMAIN!;

let n = 0;
/** Numeric ids unique across test files sharing one simulator (platform ids are integers). */
export function nextId(): number {
  n += 1;
  return Number(`${Date.now() % 1_000_000_000}${String(n).padStart(3, '0')}`) + Math.floor(Math.random() * 1000) * 1e12;
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}.${nextId()}@example.com`;
}

const wooAddress = (over: Record<string, unknown> = {}) => ({
  first_name: 'Zażółć',
  last_name: 'Gęślą-Jaźń',
  company: 'Łódzka Spółka z o.o.',
  address_1: 'ul. Piotrkowska 1',
  address_2: '',
  city: 'Łódź',
  state: '',
  postcode: '90-001',
  country: 'PL',
  email: 'jan@example.com',
  phone: '+48 600 100 200',
  ...over,
});

/** A WooCommerce v3 order (GET /wp-json/wc/v3/orders/<id>), as order.created / order.updated send it. */
export function wooOrder(over: Record<string, unknown> = {}) {
  const id = (over.id as number | undefined) ?? nextId();
  const email = (over.email as string | undefined) ?? uniqueEmail('woo');
  delete over.email;
  return {
    id,
    parent_id: 0,
    number: String(id),
    order_key: `wc_order_${id}`,
    created_via: 'checkout',
    version: '9.4.2',
    status: 'pending',
    currency: 'PLN',
    date_created: '2026-11-20T14:03:00',
    date_created_gmt: '2026-11-20T13:03:00',
    date_modified: '2026-11-20T14:05:00',
    date_modified_gmt: '2026-11-20T13:05:00',
    discount_total: '0.00',
    discount_tax: '0.00',
    shipping_total: '15.00',
    shipping_tax: '0.00',
    cart_tax: '0.00',
    total: '129.90',
    total_tax: '0.00',
    prices_include_tax: true,
    customer_id: 12,
    customer_ip_address: '203.0.113.5',
    customer_user_agent: 'Mozilla/5.0',
    customer_note: 'Proszę dzwonić przed dostawą',
    billing: wooAddress({ email }),
    shipping: { ...wooAddress(), email: undefined },
    payment_method: 'bacs',
    payment_method_title: 'Przelew bankowy',
    transaction_id: '',
    date_paid: null,
    date_paid_gmt: null,
    date_completed: null,
    date_completed_gmt: null,
    cart_hash: 'abc',
    meta_data: [{ id: 1, key: '_wc_order_attribution_source_type', value: 'typein' }],
    line_items: [
      {
        id: 315,
        name: 'Kubek ceramiczny – niebieski',
        product_id: 93,
        variation_id: 101,
        quantity: 2,
        tax_class: '',
        subtotal: '79.80',
        subtotal_tax: '0.00',
        total: '79.80',
        total_tax: '0.00',
        taxes: [],
        meta_data: [{ id: 2, key: 'pa_kolor', value: 'niebieski' }],
        sku: 'KUB-NIEB',
        price: 39.9,
      },
      {
        id: 316,
        name: 'Herbata Yerba',
        product_id: 22,
        variation_id: 0,
        quantity: 1,
        tax_class: '',
        subtotal: '35.10',
        subtotal_tax: '0.00',
        total: '35.10',
        total_tax: '0.00',
        taxes: [],
        meta_data: [],
        sku: '',
        price: 35.1,
      },
    ],
    tax_lines: [],
    shipping_lines: [{ id: 317, method_title: 'Kurier InPost', method_id: 'flat_rate', total: '15.00', total_tax: '0.00', taxes: [], meta_data: [] }],
    fee_lines: [],
    coupon_lines: [],
    refunds: [] as { id: number; reason: string; total: string }[],
    set_paid: false,
    _links: { self: [{ href: `https://shop.example.com/wp-json/wc/v3/orders/${id}` }] },
    ...over,
  };
}

/** A WooCommerce v3 customer (GET /wp-json/wc/v3/customers/<id>). */
export function wooCustomer(over: Record<string, unknown> = {}) {
  const id = nextId();
  const email = (over.email as string | undefined) ?? uniqueEmail('woo-customer');
  return {
    id,
    date_created: '2026-11-20T14:03:00',
    date_created_gmt: '2026-11-20T13:03:00',
    date_modified: '2026-11-20T14:03:00',
    date_modified_gmt: '2026-11-20T13:03:00',
    email,
    first_name: 'Zoë',
    last_name: 'Kowalska',
    role: 'customer',
    username: `zoe${id}`,
    billing: wooAddress({ email, phone: '' }),
    shipping: wooAddress(),
    is_paying_customer: false,
    avatar_url: 'https://secure.gravatar.com/avatar/x',
    meta_data: [],
    _links: {},
    ...over,
  };
}

const shopifyAddress = (over: Record<string, unknown> = {}) => ({
  first_name: 'Björk',
  last_name: 'Guðmundsdóttir',
  address1: 'Laugavegur 1',
  phone: null,
  city: 'Reykjavík',
  zip: '101',
  province: null,
  country: 'Iceland',
  last_name_kana: null,
  company: null,
  latitude: null,
  longitude: null,
  name: 'Björk Guðmundsdóttir',
  country_code: 'IS',
  province_code: null,
  ...over,
});

export function shopifyCustomer(over: Record<string, unknown> = {}) {
  const id = nextId();
  return {
    id,
    email: uniqueEmail('shopify-customer'),
    created_at: '2026-11-20T14:03:00-05:00',
    updated_at: '2026-11-20T14:03:00-05:00',
    first_name: 'Björk',
    last_name: 'Guðmundsdóttir',
    state: 'enabled',
    note: null,
    verified_email: true,
    multipass_identifier: null,
    tax_exempt: false,
    phone: '+3545551234',
    currency: 'ISK',
    tags: '',
    addresses: [],
    email_marketing_consent: { state: 'not_subscribed', opt_in_level: 'single_opt_in', consent_updated_at: null },
    sms_marketing_consent: { state: 'not_subscribed', opt_in_level: 'single_opt_in', consent_updated_at: null, consent_collected_from: 'OTHER' },
    admin_graphql_api_id: `gid://shopify/Customer/${id}`,
    default_address: { id: 1, customer_id: id, ...shopifyAddress(), default: true },
    ...over,
  };
}

/** An Admin REST order, as orders/create, orders/paid and orders/cancelled send it. */
export function shopifyOrder(over: Record<string, unknown> = {}) {
  const id = (over.id as number | undefined) ?? nextId();
  const email = (over.email as string | undefined) ?? uniqueEmail('shopify');
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    app_id: 580111,
    browser_ip: '203.0.113.9',
    buyer_accepts_marketing: false,
    cancel_reason: null,
    cancelled_at: null,
    cart_token: null,
    checkout_id: 901,
    confirmation_number: 'ABC123',
    confirmed: true,
    contact_email: email,
    created_at: '2026-11-20T08:03:00-05:00',
    currency: 'EUR',
    current_total_price: '199.00',
    customer_locale: 'is-IS',
    email,
    financial_status: 'paid',
    fulfillment_status: null,
    name: '#1001',
    order_number: 1001,
    phone: null,
    presentment_currency: 'ISK',
    processed_at: '2026-11-20T08:03:00-05:00',
    subtotal_price: '189.00',
    total_price: '199.00',
    total_price_set: { shop_money: { amount: '199.00', currency_code: 'EUR' }, presentment_money: { amount: '29800', currency_code: 'ISK' } },
    payment_gateway_names: ['shopify_payments'],
    test: false,
    token: 'tok',
    updated_at: '2026-11-20T08:03:01-05:00',
    billing_address: shopifyAddress(),
    shipping_address: shopifyAddress(),
    customer: {
      id: nextId(),
      email,
      first_name: 'Björk',
      last_name: 'Guðmundsdóttir',
      state: 'disabled',
      phone: null,
      currency: 'EUR',
      email_marketing_consent: { state: 'not_subscribed', opt_in_level: null, consent_updated_at: null },
      sms_marketing_consent: null,
    },
    line_items: [
      {
        id: 866550311766439000,
        admin_graphql_api_id: 'gid://shopify/LineItem/1',
        fulfillable_quantity: 1,
        gift_card: false,
        grams: 100,
        name: 'Lopapeysa - L / Grár',
        price: '150.00',
        product_exists: true,
        product_id: 632910392,
        quantity: 1,
        requires_shipping: true,
        sku: 'LOPI-L-GR',
        taxable: true,
        title: 'Lopapeysa',
        total_discount: '0.00',
        variant_id: 808950810,
        variant_title: 'L / Grár',
        vendor: 'Ístex',
      },
      {
        id: 141249953214522980,
        admin_graphql_api_id: 'gid://shopify/LineItem/2',
        fulfillable_quantity: 3,
        gift_card: false,
        grams: 10,
        name: 'Lakkrís',
        price: '13.00',
        product_exists: true,
        product_id: 632910393,
        quantity: 3,
        requires_shipping: true,
        sku: null,
        taxable: true,
        title: 'Lakkrís',
        total_discount: '0.00',
        variant_id: null,
        variant_title: null,
        vendor: 'Nói Síríus',
      },
    ],
    shipping_lines: [{ id: 271878346596884000, code: 'Standard', price: '10.00', source: 'shopify', title: 'Standard Shipping' }],
    refunds: [],
    ...over,
  };
}

export function shopifyRefund(orderId: number, over: Record<string, unknown> = {}) {
  const id = nextId();
  return {
    id,
    order_id: orderId,
    created_at: '2026-11-22T10:00:00-05:00',
    note: 'Of stór',
    user_id: 548380009,
    processed_at: '2026-11-22T10:00:00-05:00',
    restock: true,
    duties: [],
    total_duties_set: null,
    admin_graphql_api_id: `gid://shopify/Refund/${id}`,
    refund_line_items: [
      {
        id: nextId(),
        quantity: 1,
        line_item_id: 866550311766439000,
        location_id: 24826418,
        restock_type: 'return',
        subtotal: 150.0,
        total_tax: 0.0,
        line_item: {
          id: 866550311766439000,
          variant_id: 808950810,
          title: 'Lopapeysa',
          quantity: 1,
          sku: 'LOPI-L-GR',
          variant_title: 'L / Grár',
          product_id: 632910392,
          price: '150.00',
        },
      },
    ],
    transactions: [
      { id: nextId(), order_id: orderId, kind: 'refund', gateway: 'shopify_payments', status: 'success', message: null, amount: '150.00', currency: 'EUR' },
    ],
    order_adjustments: [],
    ...over,
  };
}

export interface HookAnswer {
  status: number;
  body: Record<string, unknown> & { error?: string; status?: string };
}

/** POSTs raw bytes to a hook route with the given headers; runs waitUntil work to completion. */
export async function postHook(path: string, body: string | Uint8Array, headers: Record<string, string>, bindings: Env = env): Promise<HookAnswer> {
  const ctx = createExecutionContext();
  const res = await app.request(path, { method: 'POST', headers, body }, bindings, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  let parsed: HookAnswer['body'];
  try {
    parsed = JSON.parse(text) as HookAnswer['body'];
  } catch {
    parsed = { error: `not JSON: ${text.slice(0, 200)}` };
  }
  return { status: res.status, body: parsed };
}

export async function sendWoo(topic: string, payload: unknown, options: { deliveryId?: string; secret?: string; bindings?: Env } = {}) {
  const raw = JSON.stringify(payload);
  const [resource, event] = topic.split('.');
  return postHook(
    '/hooks/woocommerce',
    raw,
    {
      'Content-Type': 'application/json',
      'User-Agent': 'WooCommerce/9.4.2 Hookshot (WordPress/6.7)',
      'X-WC-Webhook-Source': 'https://shop.example.com/',
      'X-WC-Webhook-Topic': topic,
      'X-WC-Webhook-Resource': resource ?? '',
      'X-WC-Webhook-Event': event ?? '',
      'X-WC-Webhook-ID': '7',
      'X-WC-Webhook-Delivery-ID': options.deliveryId ?? crypto.randomUUID(),
      'X-WC-Webhook-Signature': await hmacBase64(options.secret ?? WOO_SECRET, new TextEncoder().encode(raw)),
    },
    options.bindings,
  );
}

export async function sendShopify(topic: string, payload: unknown, options: { webhookId?: string; secret?: string; domain?: string; bindings?: Env } = {}) {
  const raw = JSON.stringify(payload);
  return postHook(
    '/hooks/shopify',
    raw,
    {
      'Content-Type': 'application/json',
      'X-Shopify-Topic': topic,
      'X-Shopify-Hmac-Sha256': await hmacBase64(options.secret ?? SHOPIFY_SECRET, new TextEncoder().encode(raw)),
      'X-Shopify-Shop-Domain': options.domain ?? SHOPIFY_DOMAIN,
      'X-Shopify-API-Version': '2025-10',
      'X-Shopify-Webhook-Id': options.webhookId ?? crypto.randomUUID(),
      'X-Shopify-Triggered-At': new Date().toISOString(),
    },
    options.bindings,
  );
}
