// Shopify webhooks (Settings → Notifications → Webhooks, JSON format, or an app's subscriptions): the
// payload of each topic is the Admin REST resource (order, refund, customer). Headers: X-Shopify-Topic,
// X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body), X-Shopify-Shop-Domain, X-Shopify-Webhook-Id.
import * as v from 'valibot';
import { clip, fullName, ignored, type ContactDraft, type EventDraft, type Mapped, type Platform, type RefundDraft, type ConsentChoice } from './platform.ts';
import { money, optionalText, platformId } from './payload-fields.ts';
import { mapShopifyProduct, shopifyProductDeletedSchema, shopifyProductSchema } from './products.ts';

const consent = v.nullish(v.looseObject({ state: v.nullish(v.string('must be a string')), consent_updated_at: optionalText }));

const customer = v.looseObject({
  id: v.nullish(platformId),
  email: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  phone: optionalText,
  state: optionalText,
  email_marketing_consent: consent,
  sms_marketing_consent: consent,
  default_address: v.nullish(v.looseObject({ company: optionalText, phone: optionalText })),
});

const address = v.looseObject({ first_name: optionalText, last_name: optionalText, company: optionalText, phone: optionalText });

const lineItem = v.looseObject({
  product_id: v.nullish(platformId),
  variant_id: v.nullish(platformId),
  sku: optionalText,
  title: optionalText,
  variant_title: optionalText,
  quantity: v.pipe(v.number('must be a number'), v.finite('must be a finite number')),
  price: v.nullish(money),
});

export const shopifyOrderSchema = v.looseObject({
  id: platformId,
  email: optionalText,
  contact_email: optionalText,
  created_at: optionalText,
  processed_at: optionalText,
  cancelled_at: optionalText,
  currency: v.pipe(v.string('must be a string'), v.maxLength(16)),
  total_price: money,
  financial_status: optionalText,
  customer: v.nullish(customer),
  billing_address: v.nullish(address),
  line_items: v.array(lineItem, 'must be an array of line items'),
  shipping_lines: v.nullish(v.array(v.looseObject({ title: optionalText }), 'must be an array')),
  payment_gateway_names: v.nullish(v.array(v.string(), 'must be an array of strings')),
  customer_locale: optionalText,
});

export const shopifyRefundSchema = v.looseObject({
  id: platformId,
  order_id: platformId,
  created_at: optionalText,
  refund_line_items: v.nullish(
    v.array(
      v.looseObject({
        line_item_id: v.nullish(platformId),
        quantity: v.pipe(v.number('must be a number'), v.finite('must be a finite number')),
        subtotal: v.nullish(money),
        // The refunded line as the order has it; only what identifies the product is read here.
        line_item: v.nullish(
          v.looseObject({
            product_id: v.nullish(platformId),
            variant_id: v.nullish(platformId),
            sku: optionalText,
            title: optionalText,
            price: v.nullish(money),
          }),
        ),
      }),
      'must be an array',
    ),
  ),
  transactions: v.nullish(v.array(v.looseObject({ kind: optionalText, status: optionalText, amount: money, currency: optionalText }), 'must be an array')),
});

export const shopifyCustomerSchema = customer;

export type ShopifyOrder = v.InferOutput<typeof shopifyOrderSchema>;
export type ShopifyRefund = v.InferOutput<typeof shopifyRefundSchema>;
export type ShopifyCustomer = v.InferOutput<typeof shopifyCustomerSchema>;

type ShopifyConfig = { purchaseOnCreate: boolean };

function productId(l: {
  variant_id?: string | number | null;
  product_id?: string | number | null;
  sku?: string | null;
  title?: string | null;
}): string | number {
  // A variant is what the product feed lists; then the product, the SKU, the title.
  return l.variant_id ?? l.product_id ?? l.sku ?? l.title ?? 'unknown';
}

function lines(items: v.InferOutput<typeof lineItem>[]): EventDraft['products'] {
  return items
    .filter((l) => l.quantity > 0)
    .map((l) => {
      const name = clip([l.title, l.variant_title].filter(Boolean).join(' – '), 255);
      return {
        id: productId(l),
        quantity: l.quantity,
        ...(name ? { name } : {}),
        ...(l.price !== null && l.price !== undefined && l.price >= 0 ? { price: l.price } : {}),
      };
    });
}

export function mapShopifyOrder(order: ShopifyOrder, topic: string, config: ShopifyConfig, receivedAt: number): Mapped {
  const orderId = String(order.id);
  const email = (order.email || order.contact_email || order.customer?.email || '').trim();
  if (!email) return ignored(`order ${orderId} has no e-mail: nothing can be sent to SALESmanago`);
  if (topic === 'orders/create' && !(config.purchaseOnCreate && order.financial_status === 'paid')) {
    return ignored(`order ${orderId} created with financial_status "${order.financial_status ?? ''}": the purchase is sent on orders/paid`);
  }
  const billing = order.billing_address;
  const name = fullName(billing?.first_name ?? order.customer?.first_name, billing?.last_name ?? order.customer?.last_name);
  const phone = clip(billing?.phone ?? order.customer?.phone, 50);
  const company = clip(billing?.company, 200);
  const lang = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(order.customer_locale ?? '') ? order.customer_locale! : undefined;
  const now = new Date(receivedAt).toISOString();
  const event: EventDraft = {
    type: topic === 'orders/cancelled' ? 'cancellation' : 'purchase',
    orderId,
    email,
    // A customer record in state "enabled" has an account; "disabled"/"invited" are guest checkouts.
    loggedIn: order.customer?.state === 'enabled',
    ...(name ? { name } : {}),
    ...(phone ? { phone } : {}),
    ...(company ? { company } : {}),
    ...(lang ? { lang } : {}),
    value: order.total_price,
    currency: order.currency,
    products: lines(order.line_items),
    occurredAt: (topic === 'orders/cancelled' ? order.cancelled_at : (order.processed_at ?? order.created_at)) ?? now,
    ...(clip(order.payment_gateway_names?.join(', '), 100) ? { paymentMethod: clip(order.payment_gateway_names?.join(', '), 100) } : {}),
    ...(clip(order.shipping_lines?.[0]?.title, 100) ? { shippingMethod: clip(order.shipping_lines?.[0]?.title, 100) } : {}),
  };
  return { kind: 'items', events: [event], refunds: [], contacts: [], notes: [] };
}

export function mapShopifyRefund(refund: ShopifyRefund, receivedAt: number): Mapped {
  const refunded = (refund.transactions ?? []).filter((t) => t.kind === 'refund' && (t.status ?? 'success') === 'success');
  const draft: RefundDraft = {
    orderId: String(refund.order_id),
    returnId: String(refund.id),
    value: refunded.length > 0 ? Math.round(refunded.reduce((sum, t) => sum + t.amount, 0) * 100) / 100 : null,
    currency: refunded[0]?.currency ?? null,
    products: (refund.refund_line_items ?? [])
      .filter((r) => r.quantity > 0)
      .map((r) => {
        const item = r.line_item;
        const name = clip(item?.title, 255);
        return {
          id: String(item ? productId(item) : (r.line_item_id ?? 'unknown')),
          quantity: r.quantity,
          ...(name ? { name } : {}),
          ...(item?.price !== null && item?.price !== undefined && item.price >= 0 ? { price: item.price } : {}),
        };
      }),
    occurredAt: refund.created_at ?? new Date(receivedAt).toISOString(),
  };
  return { kind: 'items', events: [], refunds: [draft], contacts: [], notes: [] };
}

function intent(state: string | null | undefined): ConsentChoice | undefined {
  // Only a stated choice changes consent; not_subscribed, pending, redacted, invalid change nothing.
  if (state === 'subscribed') return 'subscribe';
  if (state === 'unsubscribed') return 'unsubscribe';
  return undefined;
}

/** A stated choice, with the time Shopify gives for it; none when it is not a new statement. */
function stated(
  given: { state?: string | null; consent_updated_at?: string | null } | null | undefined,
  created: boolean,
): { choice: ConsentChoice; at?: number } | undefined {
  const choice = intent(given?.state);
  if (!choice) return undefined;
  const at = given?.consent_updated_at ? Date.parse(given.consent_updated_at) : Number.NaN;
  if (Number.isFinite(at)) return { choice, at };
  return created ? { choice } : undefined;
}

export function mapShopifyCustomer(c: ShopifyCustomer, topic: string): Mapped {
  const email = (c.email ?? '').trim();
  if (!email) return ignored(`customer ${String(c.id ?? '?')} has no e-mail (SALESmanago contacts are keyed by e-mail)`);
  const name = fullName(c.first_name, c.last_name);
  const phone = clip(c.phone ?? c.default_address?.phone, 50);
  const company = clip(c.default_address?.company, 200);
  // Shopify re-sends the stored consent state on every customers/update: a state counts only as a new
  // statement, i.e. with its consent_updated_at (receive.ts compares it with the consent store), or,
  // without one, on customers/create.
  const created = topic === 'customers/create';
  const emailConsent = stated(c.email_marketing_consent, created);
  const smsConsent = phone ? stated(c.sms_marketing_consent, created) : undefined;
  const newsletter = emailConsent?.choice;
  const sms = smsConsent?.choice;
  const statedAt = {
    ...(emailConsent?.at !== undefined ? { newsletter: emailConsent.at } : {}),
    ...(smsConsent?.at !== undefined ? { sms: smsConsent.at } : {}),
  };
  const statement =
    (newsletter || sms) && c.id !== null && c.id !== undefined
      ? `${String(c.id)}:${newsletter ? (emailConsent?.at ?? 'created') : '-'}:${sms ? (smsConsent?.at ?? 'created') : '-'}`
      : undefined;
  const contact: ContactDraft = {
    contact: {
      email,
      ...(name ? { name } : {}),
      ...(phone ? { phone } : {}),
      ...(company ? { company } : {}),
      ...(newsletter ? { newsletter } : {}),
      ...(sms ? { sms } : {}),
      trigger: created ? 'registration' : 'update',
    },
    ...(Object.keys(statedAt).length > 0 ? { statedAt } : {}),
    ...(statement ? { statement } : {}),
  };
  return { kind: 'items', events: [], refunds: [], contacts: [contact], notes: [] };
}

const shopifyRedactSchema = v.looseObject({
  customer: v.looseObject({ email: v.nullish(v.pipe(v.string('must be a string'), v.trim(), v.toLowerCase())) }, 'must be an object'),
});

export const shopify: Platform = {
  name: 'shopify',
  label: 'Shopify',
  path: '/hooks/shopify',
  secretName: 'SHOPIFY_WEBHOOK_SECRET',
  signatureHeader: 'X-Shopify-Hmac-Sha256',
  topicHeader: 'X-Shopify-Topic',
  deliveryIdHeader: 'X-Shopify-Webhook-Id',
  topics: {
    'orders/create': shopifyOrderSchema,
    'orders/paid': shopifyOrderSchema,
    'orders/cancelled': shopifyOrderSchema,
    'refunds/create': shopifyRefundSchema,
    'customers/create': shopifyCustomerSchema,
    'customers/update': shopifyCustomerSchema,
    'products/create': shopifyProductSchema,
    'products/update': shopifyProductSchema,
    'products/delete': shopifyProductDeletedSchema,
    // GDPR mandatory webhook: the shop owner asked to erase a customer (shopify.dev "Privacy law
    // compliance", customers/redact: {shop_domain, customer: {id, email, phone}, orders_to_redact}).
    'customers/redact': shopifyRedactSchema,
  },
  secret: (config) => config.shopify.secret,
  checkSender(headers, config) {
    const expected = config.shopify.shopDomain;
    if (!expected) return 'SHOPIFY_SHOP_DOMAIN is not configured on the worker';
    const given = (headers.get('X-Shopify-Shop-Domain') ?? '').trim().toLowerCase();
    if (!given) return 'missing X-Shopify-Shop-Domain header';
    return given === expected ? null : `X-Shopify-Shop-Domain "${given.slice(0, 100)}" is not the configured shop`;
  },
  map(topic, payload, config, receivedAt) {
    if (topic.startsWith('products/')) return mapShopifyProduct(topic, payload, config.shopify.shopDomain);
    if (topic === 'customers/redact') {
      const email = (payload as v.InferOutput<typeof shopifyRedactSchema>).customer.email;
      return email ? { kind: 'erase', email } : ignored('customers/redact without an e-mail: nothing here is keyed by it');
    }
    if (topic === 'refunds/create') return mapShopifyRefund(payload as ShopifyRefund, receivedAt);
    if (topic.startsWith('customers/')) return mapShopifyCustomer(payload as ShopifyCustomer, topic);
    return mapShopifyOrder(payload as ShopifyOrder, topic, config.shopify, receivedAt);
  },
};
