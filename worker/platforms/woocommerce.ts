// WooCommerce webhooks (WooCommerce → Settings → Advanced → Webhooks, API version "WP REST API
// Integration v3"): the payload of order.* and customer.* is the REST API v3 order / customer object.
// Headers: X-WC-Webhook-Topic, X-WC-Webhook-Delivery-ID, X-WC-Webhook-Signature (base64 HMAC-SHA256
// of the raw body with the webhook's secret).
import * as v from 'valibot';
import { clip, fullName, ignored, type ContactDraft, type EventDraft, type Mapped, type Platform } from './platform.ts';
import { money, optionalDate, optionalText, platformId } from './payload-fields.ts';
import { mapWooProduct, wooProductDeletedSchema, wooProductSchema } from './products.ts';

const address = v.looseObject({
  first_name: optionalText,
  last_name: optionalText,
  company: optionalText,
  email: optionalText,
  phone: optionalText,
});

const metaData = v.nullish(v.array(v.looseObject({ key: v.string('must be a string'), value: v.unknown() }), 'must be an array of {key, value}'));

const lineItem = v.looseObject({
  name: optionalText,
  product_id: v.nullish(platformId),
  variation_id: v.nullish(platformId),
  sku: optionalText,
  quantity: v.pipe(v.number('must be a number'), v.finite('must be a finite number')),
  price: v.nullish(money),
  total: v.nullish(money),
});

export const wooOrderSchema = v.looseObject({
  id: platformId,
  status: v.pipe(v.string('must be a string'), v.maxLength(64)),
  currency: v.pipe(v.string('must be a string'), v.maxLength(16)),
  total: money,
  customer_id: v.nullish(v.pipe(v.number('must be a number'), v.integer('must be an integer'))),
  customer_note: optionalText,
  billing: v.nullish(address),
  payment_method_title: optionalText,
  shipping_lines: v.nullish(v.array(v.looseObject({ method_title: optionalText }), 'must be an array')),
  line_items: v.array(lineItem, 'must be an array of line items'),
  refunds: v.nullish(v.array(v.looseObject({ id: platformId, total: money, reason: optionalText }), 'must be an array of refunds')),
  date_created_gmt: optionalDate,
  date_modified_gmt: optionalDate,
  date_paid_gmt: optionalDate,
  meta_data: metaData,
});

/** order.deleted carries only the id (the order is gone). */
const wooDeletedSchema = v.looseObject({ id: platformId });

const wooCustomerSchema = v.looseObject({
  id: platformId,
  email: v.pipe(v.string('must be a string'), v.maxLength(254, 'must be at most 254 characters')),
  first_name: optionalText,
  last_name: optionalText,
  billing: v.nullish(address),
  date_created_gmt: optionalDate,
  date_modified_gmt: optionalDate,
  meta_data: metaData,
});

export type WooOrder = v.InferOutput<typeof wooOrderSchema>;
type WooCustomer = v.InferOutput<typeof wooCustomerSchema>;

type WooConfig = { purchaseOnHold: boolean; newsletterMetaKey: string | null };

/** "2026-11-20T13:03:00" (the *_gmt fields are UTC without a zone) → ISO 8601 with the zone. */
function gmt(date: string | null | undefined): string | undefined {
  if (!date) return undefined;
  return /([zZ]|[+-]\d{2}:?\d{2})$/.test(date) ? date : `${date}Z`;
}

function products(order: WooOrder): EventDraft['products'] {
  return order.line_items
    .filter((l) => l.quantity > 0)
    .map((l) => {
      // A variation is its own product in a feed: prefer its id, then the parent product, then the SKU.
      const id = (l.variation_id ? l.variation_id : l.product_id) || l.sku || l.name || 'unknown';
      const price = l.price ?? (l.total !== null && l.total !== undefined && l.quantity > 0 ? l.total / l.quantity : undefined);
      return {
        id,
        quantity: l.quantity,
        ...(clip(l.name, 255) ? { name: clip(l.name, 255) } : {}),
        ...(price !== undefined && price >= 0 ? { price: Math.round(price * 100) / 100 } : {}),
      };
    });
}

/** The newsletter choice in the configured meta key, if any: WooCommerce itself has none. */
export function newsletterFromMeta(meta: WooOrder['meta_data'], key: string | null): 'subscribe' | 'unsubscribe' | undefined {
  if (!key || !meta) return undefined;
  const entry = meta.find((m) => m.key === key);
  if (!entry) return undefined;
  const value = typeof entry.value === 'string' ? entry.value.trim().toLowerCase() : entry.value;
  if (value === true || value === 1 || ['1', 'yes', 'on', 'true', 'subscribed', 'subscribe'].includes(value as string)) return 'subscribe';
  if (value === false || value === 0 || ['0', 'no', 'off', 'false', 'unsubscribed', 'unsubscribe', ''].includes(value as string)) return 'unsubscribe';
  return undefined;
}

/**
 * A WooCommerce newsletter choice as a statement with a time (platform.ts ContactDraft): the meta has
 * no time of its own, so the box counts as ticked when the order or account was created (falling back
 * to its last change). receive.ts keeps the choice only when that time is later than the consent
 * store's last change for the address, so a replayed or re-sent delivery never overrides a later
 * unsubscribe. Without either date the choice yields to any stored change (time 0).
 */
function wooStatement(
  kind: 'order' | 'customer',
  id: string,
  created: string | null | undefined,
  modified: string | null | undefined,
): Pick<ContactDraft, 'statedAt' | 'statement'> {
  const at = Date.parse(gmt(created) ?? gmt(modified) ?? '');
  const time = Number.isFinite(at) ? at : 0;
  return { statedAt: { newsletter: time }, statement: `${kind}:${id}:${time}` };
}

/** Order statuses that are a confirmed purchase; on-hold (awaiting an offline payment) by configuration. */
function isPurchase(status: string, config: WooConfig): boolean {
  return status === 'processing' || status === 'completed' || (config.purchaseOnHold && status === 'on-hold');
}

export function mapWooOrder(order: WooOrder, config: WooConfig, receivedAt: number, topic = 'order.created'): Mapped {
  const email = (order.billing?.email ?? '').trim();
  const orderId = String(order.id);
  if (!email) return ignored(`order ${orderId} has no billing e-mail: nothing can be sent to SALESmanago`);
  const common = {
    orderId,
    email,
    loggedIn: (order.customer_id ?? 0) > 0, // customer_id 0 is a guest order
    ...(fullName(order.billing?.first_name, order.billing?.last_name) ? { name: fullName(order.billing?.first_name, order.billing?.last_name) } : {}),
    ...(clip(order.billing?.phone, 50) ? { phone: clip(order.billing?.phone, 50) } : {}),
    ...(clip(order.billing?.company, 200) ? { company: clip(order.billing?.company, 200) } : {}),
    currency: order.currency,
    ...(clip(order.payment_method_title, 100) ? { paymentMethod: clip(order.payment_method_title, 100) } : {}),
    ...(clip(order.shipping_lines?.[0]?.method_title, 100) ? { shippingMethod: clip(order.shipping_lines?.[0]?.method_title, 100) } : {}),
  };
  const lines = products(order);
  const now = new Date(receivedAt).toISOString();
  const changedAt = gmt(order.date_modified_gmt) ?? now;
  const events: EventDraft[] = [];
  const notes: string[] = [];

  if (isPurchase(order.status, config) || order.status === 'refunded') {
    // A refunded order was a purchase first; the (type, orderId) identity sends it once whatever the
    // order of deliveries (the official plugin sent a PURCHASE again on each status change, up to 3.11.0).
    events.push({
      type: 'purchase',
      ...common,
      value: order.total,
      products: lines,
      occurredAt: gmt(order.date_paid_gmt) ?? gmt(order.date_created_gmt) ?? now,
    });
  } else if (order.status === 'cancelled') {
    events.push({ type: 'cancellation', ...common, value: order.total, products: lines, occurredAt: changedAt });
  } else {
    notes.push(`status "${order.status}" is not a purchase yet`);
  }

  // Each refund is a return of its own (a partial refund is a return too); its id is the return id.
  // The v3 order lists refunds as {id, reason, total} only, so the products are the order's lines.
  for (const refund of order.refunds ?? []) {
    events.push({ type: 'return', ...common, returnId: refund.id, value: Math.abs(refund.total), products: lines, occurredAt: changedAt });
  }
  if (order.status === 'refunded' && (order.refunds ?? []).length === 0) {
    events.push({ type: 'return', ...common, returnId: 'refunded', value: order.total, products: lines, occurredAt: changedAt });
  }

  const contacts: ContactDraft[] = [];
  // An order never unsubscribes anyone: an unticked checkout box ("", "no", "0") is no choice. Only a
  // subscribe, and only on order.created (where the checkout box is ticked): order.updated re-carries
  // the stored meta, which may be older than a later unsubscribe (docs/platforms.md).
  const newsletter = topic === 'order.created' ? newsletterFromMeta(order.meta_data, config.newsletterMetaKey) : undefined;
  if (newsletter === 'subscribe') {
    contacts.push({
      contact: { email, ...(common.name ? { name: common.name } : {}), newsletter, trigger: 'newsletter' },
      ...wooStatement('order', orderId, order.date_created_gmt, order.date_modified_gmt),
    });
  }

  if (events.length === 0 && contacts.length === 0) return ignored(`order ${orderId}: ${notes.join('; ')}`);
  // A registered buyer's id and billing e-mail: customer.deleted names only the id (customers.ts).
  const customerId = order.customer_id ?? 0;
  return { kind: 'items', events, refunds: [], contacts, notes, ...(customerId > 0 ? { customers: [{ id: String(customerId), email }] } : {}) };
}

function mapWooCustomer(customer: WooCustomer, topic: string, config: WooConfig): Mapped {
  const email = customer.email.trim();
  if (!email) return ignored(`customer ${String(customer.id)} has no e-mail`);
  const name = fullName(customer.first_name ?? customer.billing?.first_name, customer.last_name ?? customer.billing?.last_name);
  const phone = clip(customer.billing?.phone, 50);
  const company = clip(customer.billing?.company, 200);
  // The meta has no time of its own: customer.updated re-carries the stored value on every edit, which
  // would override a later unsubscribe through SALESmanago. Only customer.created states a choice, and
  // only a subscribe does (an unticked box at registration is no choice to force onto SALESmanago).
  const stated = topic === 'customer.created' ? newsletterFromMeta(customer.meta_data, config.newsletterMetaKey) : undefined;
  const newsletter = stated === 'subscribe' ? stated : undefined;
  return {
    kind: 'items',
    events: [],
    refunds: [],
    contacts: [
      {
        contact: {
          email,
          ...(name ? { name } : {}),
          ...(phone ? { phone } : {}),
          ...(company ? { company } : {}),
          ...(newsletter ? { newsletter } : {}),
          trigger: topic === 'customer.created' ? 'registration' : 'update',
        },
        ...(newsletter ? wooStatement('customer', String(customer.id), customer.date_created_gmt, customer.date_modified_gmt) : {}),
      },
    ],
    notes: [],
    customers: [{ id: String(customer.id), email }],
  };
}

/** WooCommerce's ping on saving a webhook: form body `webhook_id=<id>`, no topic and no signature. */
function wooPing(body: string, headers: { get(name: string): string | undefined }): string | null {
  if (headers.get('X-WC-Webhook-Topic')) return null;
  const form = /^webhook_id=(\d{1,20})$/.exec(body.trim());
  if (form) return form[1]!;
  try {
    const json = JSON.parse(body) as unknown;
    if (
      json &&
      typeof json === 'object' &&
      !Array.isArray(json) &&
      Object.keys(json).length === 1 &&
      /^\d{1,20}$/.test(String((json as { webhook_id?: unknown }).webhook_id))
    ) {
      return String((json as { webhook_id: unknown }).webhook_id);
    }
  } catch {
    // not a ping
  }
  return null;
}

export const woocommerce: Platform = {
  name: 'woocommerce',
  label: 'WooCommerce',
  path: '/hooks/woocommerce',
  secretName: 'WOOCOMMERCE_WEBHOOK_SECRET',
  signatureHeader: 'X-WC-Webhook-Signature',
  topicHeader: 'X-WC-Webhook-Topic',
  deliveryIdHeader: 'X-WC-Webhook-Delivery-ID',
  topics: {
    'order.created': wooOrderSchema,
    'order.updated': wooOrderSchema,
    'order.deleted': wooDeletedSchema,
    'customer.created': wooCustomerSchema,
    'customer.updated': wooCustomerSchema,
    'customer.deleted': wooDeletedSchema,
    'product.created': wooProductSchema,
    'product.updated': wooProductSchema,
    'product.deleted': wooProductDeletedSchema,
  },
  secret: (config) => config.woocommerce.secret,
  ping: wooPing,
  map(topic, payload, config, receivedAt) {
    const woo = config.woocommerce;
    if (topic === 'order.deleted') {
      // A deleted (trashed) order is not a cancellation to the buyer; what was sent stays.
      return ignored(`order ${String((payload as { id: unknown }).id)} was deleted in WooCommerce; a deletion is not sent to SALESmanago`);
    }
    if (topic === 'customer.deleted') {
      // The payload is {id} only (includes/class-wc-webhook.php:433-438): the e-mail is looked up (customers.ts).
      return { kind: 'erase-customer', customerId: String((payload as { id: unknown }).id) };
    }
    if (topic.startsWith('product.')) return mapWooProduct(topic, payload);
    if (topic.startsWith('order.')) return mapWooOrder(payload as WooOrder, woo, receivedAt, topic);
    return mapWooCustomer(payload as WooCustomer, topic, woo);
  },
};
