// What the request handlers put on the queue, and the consumer takes off it.
// Every item of a message carries the id under which it is recorded in the delivery ledger.

export const EVENT_KINDS = ['visit', 'cart', 'login', 'offer', 'newsletter', 'survey', 'purchase', 'return', 'cancellation'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface ProductLine {
  id: string;
  name?: string;
  quantity: number;
  price?: number;
}

/** One accepted event, normalised from the tracker or the shop server. */
export interface AcceptedEvent {
  id: string;
  type: EventKind;
  source: 'browser' | 'shop';
  /** Unix ms when it happened (client clock for browser events, occurredAt for shop events). */
  occurredAt: number;
  /** Position in its beacon (browser events): orders changes that share a millisecond. */
  seq?: number;
  receivedAt: number;
  visitorId?: string;
  /** SALESmanago contactId from the smclient cookie. */
  contactId?: string;
  email?: string;
  /** True when the e-mail comes from the shop server or a verified login token; a typed one is not. */
  emailVerified?: boolean;
  /** Browser newsletter signups: the consent store held an opt-out for the e-mail when it was accepted. */
  knownOptOut?: boolean;
  /** Browser newsletter signups: the version of the consent text at the form, and the form's id (proof). */
  consentVersion?: string;
  formId?: string;
  /** Browser newsletter signups: the browser's IP and user agent, as proof of the statement. */
  ip?: string;
  userAgent?: string;
  url?: string;
  title?: string;
  referrer?: string;
  products?: ProductLine[];
  value?: number;
  currency?: string;
  message?: string;
  name?: string;
  phone?: string;
  company?: string;
  lang?: string;
  order?: {
    orderId: string;
    returnId?: string;
    loggedIn?: boolean;
    paymentMethod?: string;
    shippingMethod?: string;
  };
  /** History (a batch with history: true, npm run import): no tags, and it closes no open cart. */
  history?: true;
  /** Shop order events: the buyer's contact data, upserted with the order. */
  buyer?: Pick<AcceptedContact, 'externalId' | 'address' | 'birthday' | 'properties'>;
}

/** A contact posted by the shop server. */
export interface AcceptedContact {
  id: string;
  receivedAt: number;
  email: string;
  name?: string;
  phone?: string;
  company?: string;
  lang?: string;
  newsletter?: 'subscribe' | 'unsubscribe';
  trigger?: 'registration' | 'newsletter' | 'login' | 'update';
  /** Mobile marketing consent: the phone pair alone. */
  sms?: 'subscribe' | 'unsubscribe';
  /** The shop's customer id. */
  externalId?: string;
  address?: { street?: string; zipCode?: string; city?: string; country?: string };
  /** YYYY-MM-DD. */
  birthday?: string;
  properties?: Record<string, string>;
  removeTags?: string[];
  /** The address before an e-mail change (`email` is the new one). */
  previousEmail?: string;
  consents?: { name: string; accepted: boolean; at: number }[];
  /** History (npm run import): no tags; consent fields were dropped on arrival. */
  history?: true;
}

/** A consent change to push to SHOP_WEBHOOK_URL. */
export interface ConsentWebhook {
  id: string;
  email: string;
  status: 'opt-in' | 'opt-out';
  changedAt: number;
  source: string;
}

/** A product of the catalog, as accepted (worker/catalog/product.ts; docs/catalog.md). */
export interface CatalogProduct {
  id: string;
  deleted?: true;
  name?: string;
  url?: string;
  imageUrls?: string[];
  price?: number;
  discountPrice?: number;
  currency?: string;
  available?: boolean;
  quantity?: number;
  categories?: string[];
  description?: string;
  details?: string[];
}

/**
 * The message of ONE ledger row: what the ledger stores as the row's payload, and what replay and the
 * held-event release read back. 'event' and 'contact' were also the queue's only shapes before
 * messages carried several items; the consumer still reads them (messages queued across a deploy).
 */
export type ItemMessage =
  | { kind: 'event'; event: AcceptedEvent }
  | { kind: 'contact'; contact: AcceptedContact }
  | { kind: 'consent-webhook'; change: ConsentWebhook };

/**
 * A signed shop-platform delivery that met an unwritable ledger, as it came (queue/platform-delivery.ts);
 * the consumer hands it to platforms/kept.ts. It carries no ledger row of its own yet.
 */
export interface PlatformDeliveryMessage {
  kind: 'platform-delivery';
  platform: string;
  delivery: { deliveryId: string; topic: string | null; body: string; receivedAt: number };
}

export function isPlatformDelivery(body: unknown): body is PlatformDeliveryMessage {
  return (
    isObject(body) &&
    body.kind === 'platform-delivery' &&
    typeof body.platform === 'string' &&
    isObject(body.delivery) &&
    typeof body.delivery.body === 'string' &&
    typeof body.delivery.deliveryId === 'string'
  );
}

/**
 * What travels on the queue. One message carries up to MAX_ITEMS_PER_MESSAGE events (a whole beacon,
 * or a slice of a shop batch): a consumer batch is at most 100 messages, and packing is what lets one
 * batch fill SALESmanago's 400-item batch calls.
 */
export type QueueMessage =
  | ItemMessage
  | { kind: 'events'; events: AcceptedEvent[] }
  | { kind: 'contacts'; contacts: AcceptedContact[] }
  /** The accumulator's tick (delivery/accumulator.ts): flush what its shard (queue/shards.ts; absent: 0) parked. Carries no item. */
  | { kind: 'flush'; shard?: number }
  /** Catalog products (worker/catalog/): their state is in catalog_products, keyed by id and hash. */
  | { kind: 'products'; items: { hash: string; product: CatalogProduct }[] }
  | PlatformDeliveryMessage

  /** An erasure's SALESmanago contact delete (consent/erasure.ts). The e-mail lives only on the queue. */
  | EraseMessage;

export interface EraseMessage {
  kind: 'erase';
  erasureId: string;
  email: string;
}

/** Items per queue message: a beacon holds at most 50 events, and shop batches are packed alike. */
export const MAX_ITEMS_PER_MESSAGE = 50;

/** The ledger rows' messages a queue message stands for, in order. */
export function itemsOf(message: QueueMessage): ItemMessage[] {
  switch (message.kind) {
    case 'events':
      return message.events.map((event) => ({ kind: 'event', event }));
    case 'contacts':
      return message.contacts.map((contact) => ({ kind: 'contact', contact }));
    case 'event':
    case 'contact':
    case 'consent-webhook':
      return [message];
    case 'flush':
    case 'platform-delivery':
    case 'products':
    case 'erase':
      return [];
  }
}

/** The id of the ledger row an item message stands for. */
export function itemId(item: ItemMessage): string {
  switch (item.kind) {
    case 'event':
      return item.event.id;
    case 'contact':
      return item.contact.id;
    case 'consent-webhook':
      return item.change.id;
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const hasId = (x: unknown): boolean => isObject(x) && typeof x.id === 'string';
const readableEvent = (x: unknown): boolean => hasId(x) && (EVENT_KINDS as readonly unknown[]).includes((x as { type?: unknown }).type);
const readableContact = (x: unknown): boolean => hasId(x) && typeof (x as { email?: unknown }).email === 'string';

/**
 * The items of a message, of any shape ever queued ('events'/'contacts', and the single 'event' and
 * 'contact' of before). An unreadable item is dropped with a log line; the rest are still delivered.
 */
export function readItems(body: unknown): ItemMessage[] {
  if (!isObject(body)) return [];
  const list = (xs: unknown, ok: (x: unknown) => boolean): unknown[] => {
    if (!Array.isArray(xs)) return [];
    const good = xs.filter(ok);
    if (good.length < xs.length) console.error({ msg: 'unreadable items dropped from a queue message', dropped: xs.length - good.length });
    return good;
  };
  switch (body.kind) {
    case 'events':
      return list(body.events, readableEvent).map((event) => ({ kind: 'event', event }) as ItemMessage);
    case 'contacts':
      return list(body.contacts, readableContact).map((contact) => ({ kind: 'contact', contact }) as ItemMessage);
    case 'event':
      return readableEvent(body.event) ? [body as ItemMessage] : [];
    case 'contact':
      return readableContact(body.contact) ? [body as ItemMessage] : [];
    case 'consent-webhook':
      return hasId(body.change) ? [body as ItemMessage] : [];
    default:
      return [];
  }
}
