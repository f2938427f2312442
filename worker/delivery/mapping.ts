// How each of our nine event kinds becomes a SALESmanago external event. One table, documented in
// the docs/salesmanago.md ("Mapping to SALESmanago"): change both together. Pure functions, no I/O.
import type { ContactEvent, ContactExtEventType } from '../salesmanago/types.ts';
import type { AcceptedEvent, EventKind, ProductLine } from '../queue/messages.ts';
import { shareableUrl } from './urls.ts';

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
 * The fixed meaning of detail1..detail13 (SALESmanago allows 20 of 255 characters each). 1-9 are the
 * official WooCommerce plugin's layout, so automations and templates written for it keep working
 * (plugin 3.11.1 `salesmanago/src/Includes/Helper.php:186-196` for orders,
 * `Frontend/Plugins/Wc/WcEventModel.php:76-88, 162-166` for carts, language and currency); 10-13 are
 * what the plugin lacks. A detail that does not apply to an event is simply not sent; the numbers
 * never shift. detail4 (customer note) and detail6/detail7 (variant ids, SKUs) are the plugin's, and
 * not sent: the shop API carries no such field.
 */
export const DETAILS = [
  'product names, comma-joined (same order as products)',
  'order id (the plugin: order key)',
  'quantities, "/"-joined (same order as products)',
  'customer note (not sent)',
  'shipping method',
  'other product identifiers (not sent)',
  'other product identifiers (not sent)',
  'language',
  'currency (ISO 4217)',
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

const ORDER_KINDS: ReadonlySet<EventKind> = new Set(['purchase', 'return', 'cancellation']);

export function toContactEvent(original: AcceptedEvent, ctx: MappingContext): ContactEvent {
  // Form text in query strings never reaches SALESmanago (urls.ts).
  const event: AcceptedEvent = { ...original };
  const url = shareableUrl(original.url);
  const referrer = shareableUrl(original.referrer);
  if (url) event.url = url;
  else delete event.url;
  if (referrer) event.referrer = referrer;
  else delete event.referrer;
  const products = event.products ?? [];
  const order = ORDER_KINDS.has(event.type) ? event.order : undefined;
  const out: ContactEvent = {
    contactExtEventType: EVENT_TYPE_OF[event.type],
    date: event.occurredAt,
    description: describe(event),
    externalId: externalId(event),
  };
  if (products.length > 0) out.products = products.map((p) => p.id).join(',');
  // A Visit's products are the ones viewed on its page (the tracker's product views): their ids and
  // names, as SALESmanago takes them on any event, but no quantities and no value, which a view has not.
  const viewed = event.type === 'visit';
  const value = viewed ? undefined : (event.value ?? productsValue(products));
  if (value !== undefined) out.value = value;
  if (ctx.location) out.location = ctx.location;
  const domain = shopDomain(event.url, ctx.shopDomains);
  if (domain) out.shopDomain = domain;

  const details: (string | undefined)[] = [
    joined(products.map((p) => p.name ?? '')),
    present(order?.orderId),
    viewed
      ? undefined
      : joined(
          products.map((p) => String(p.quantity)),
          '/',
        ),
    undefined,
    present(order?.shippingMethod),
    undefined,
    undefined,
    present(event.lang),
    present(event.currency?.toUpperCase()),
    present(event.url),
    present(event.referrer),
    present(order?.returnId),
    order && event.type === 'purchase' ? (order.loggedIn ? 'logged-in' : 'guest') : undefined,
  ];
  while (details.length > 0 && details[details.length - 1] === undefined) details.pop();
  if (details.length > 0) out.details = details;
  return out;
}

/**
 * Order events (returns and cancellations too): the plain order id, as the plugin sends
 * (`Includes/Helper.php:195`); our own dedupe stays keyed by the ledger id, which holds the return id.
 * Browser events: our event id.
 */
export function externalId(event: AcceptedEvent): string {
  const order = event.order;
  if (!order || !ORDER_KINDS.has(event.type)) return event.id;
  return order.orderId;
}

function describe(event: AcceptedEvent): string {
  const order = event.order;
  const page = pageOf(event);
  switch (event.type) {
    case 'purchase':
      // The plugin's description is the payment method (`Includes/Helper.php:188`).
      return present(order?.paymentMethod) ?? `Purchase of order ${order?.orderId ?? '?'} (${order?.loggedIn ? 'logged-in customer' : 'guest'})`;
    case 'return':
      return `Return ${order?.returnId ? `${order.returnId} ` : ''}of order ${order?.orderId ?? '?'}`;
    case 'cancellation':
      return `Cancellation of order ${order?.orderId ?? '?'}`;
    case 'cart': {
      // The plugin's description is the cart (recovery) URL (`WcEventModel.php:162`): here the page.
      const url = present(event.url);
      if (url) return url;
      const n = (event.products ?? []).reduce((sum, p) => sum + p.quantity, 0);
      return `Cart: ${n} item${n === 1 ? '' : 's'}`;
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
function shopDomain(url: string | undefined, shopDomains: string[]): string | undefined {
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

function joined(values: string[], separator = ','): string | undefined {
  return values.some((v) => v !== '') ? values.join(separator) : undefined;
}

function present(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}
