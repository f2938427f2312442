// How each of our nine event kinds becomes a SALESmanago external event. One table, documented in
// the README ("Mapping to SALESmanago"): change both together. Pure functions, no I/O.
import type { ContactEvent, ContactExtEventType } from '../salesmanago/types.ts';
import type { AcceptedEvent, EventKind, ProductLine } from './messages.ts';

export const EVENT_TYPE_OF: Readonly<Record<EventKind, ContactExtEventType>> = {
  visit: 'VISIT',
  cart: 'CART',
  login: 'LOGIN',
  offer: 'OFFER',
  newsletter: 'OTHER',
  survey: 'SURVEY',
  purchase: 'PURCHASE',
  return: 'RETURN',
  cancellation: 'CANCELLATION',
};

/**
 * The fixed meaning of detail1..detail10 (SALESmanago allows 20 of 255 characters each).
 * A detail that does not apply to an event is simply not sent; the numbers never shift.
 */
export const DETAILS = [
  'product names, comma-joined (same order as products)',
  'quantities, comma-joined (same order as products)',
  'currency (ISO 4217)',
  'payment method',
  'shipping method',
  'language',
  'page URL',
  'referrer',
  'return id',
  'buyer: "logged-in" or "guest"',
] as const;

export interface MappingContext {
  /** config.location (SALESMANAGO_LOCATION or derived from the first shop domain). */
  location: string;
  /** config.shopDomains: the first one is the domain of events without a URL. */
  shopDomains: string[];
}

export const ORDER_KINDS: ReadonlySet<EventKind> = new Set(['purchase', 'return', 'cancellation']);

export function toContactEvent(event: AcceptedEvent, ctx: MappingContext): ContactEvent {
  const products = event.products ?? [];
  const order = ORDER_KINDS.has(event.type) ? event.order : undefined;
  const out: ContactEvent = {
    contactExtEventType: EVENT_TYPE_OF[event.type],
    date: event.occurredAt,
    description: describe(event),
    externalId: externalId(event),
  };
  if (products.length > 0) out.products = products.map((p) => p.id).join(',');
  const value = event.value ?? productsValue(products);
  if (value !== undefined) out.value = value;
  else if (event.type === 'cart') out.value = 0; // an emptied cart is a cart worth 0
  if (ctx.location) out.location = ctx.location;
  const domain = shopDomain(event.url, ctx.shopDomains);
  if (domain) out.shopDomain = domain;

  const details: (string | undefined)[] = [
    joined(products.map((p) => p.name ?? '')),
    joined(products.map((p) => String(p.quantity))),
    present(event.currency?.toUpperCase()),
    present(order?.paymentMethod),
    present(order?.shippingMethod),
    present(event.lang),
    present(event.url),
    present(event.referrer),
    present(order?.returnId),
    order && event.type === 'purchase' ? (order.loggedIn ? 'logged-in' : 'guest') : undefined,
  ];
  while (details.length > 0 && details[details.length - 1] === undefined) details.pop();
  if (details.length > 0) out.details = details;
  return out;
}

/** Order events: the order id (a return: "<orderId>/<returnId>"); browser events: our event id. */
export function externalId(event: AcceptedEvent): string {
  const order = event.order;
  if (!order || !ORDER_KINDS.has(event.type)) return event.id;
  if (event.type === 'return' && order.returnId) return `${order.orderId}/${order.returnId}`;
  return order.orderId;
}

export function describe(event: AcceptedEvent): string {
  const order = event.order;
  const page = pageOf(event);
  switch (event.type) {
    case 'purchase':
      return `Purchase of order ${order?.orderId ?? '?'} (${order?.loggedIn ? 'logged-in customer' : 'guest'})`;
    case 'return':
      return `Return ${order?.returnId ? `${order.returnId} ` : ''}of order ${order?.orderId ?? '?'}`;
    case 'cancellation':
      return `Cancellation of order ${order?.orderId ?? '?'}`;
    case 'cart': {
      const n = (event.products ?? []).reduce((sum, p) => sum + p.quantity, 0);
      return `Cart: ${n} item${n === 1 ? '' : 's'}${page ? ` on ${page}` : ''}`;
    }
    case 'visit':
      return page ?? 'Visit';
    case 'login':
      return `Login${page ? ` on ${page}` : ''}`;
    case 'newsletter':
      return event.message?.trim() || `Newsletter signup${page ? ` on ${page}` : ''}`;
    case 'survey':
      return event.message?.trim() || `Inquiry${page ? ` from ${page}` : ''}`;
    case 'offer':
      return event.message?.trim() || `Request for quote${page ? ` from ${page}` : ''}`;
  }
}

/** "Title (URL)", or whichever of the two is known. */
function pageOf(event: AcceptedEvent): string | undefined {
  const title = present(event.title);
  const url = present(event.url);
  if (title && url) return `${title} (${url})`;
  return title ?? url;
}

/** The event URL's host when it has one, else the first configured shop domain. */
export function shopDomain(url: string | undefined, shopDomains: string[]): string | undefined {
  if (url) {
    try {
      const host = new URL(url).hostname;
      if (host) return host.toLowerCase();
    } catch {
      // not a URL: fall back to the configured domain
    }
  }
  return shopDomains[0];
}

function productsValue(products: ProductLine[]): number | undefined {
  if (products.length === 0 || products.some((p) => p.price === undefined)) return undefined;
  return Math.round(products.reduce((sum, p) => sum + p.quantity * (p.price ?? 0), 0) * 100) / 100;
}

function joined(values: string[]): string | undefined {
  return values.some((v) => v !== '') ? values.join(',') : undefined;
}

function present(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}
