// What the request handlers put on the queue, and the consumer takes off it.
// Every message carries the id under which it is recorded in the delivery ledger.

export const EVENT_KINDS = [
  'visit', 'cart', 'login', 'offer', 'newsletter', 'survey', 'purchase', 'return', 'cancellation',
] as const;
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
  receivedAt: number;
  visitorId?: string;
  /** SALESmanago contactId from the smclient cookie. */
  contactId?: string;
  email?: string;
  /** True when the e-mail comes from the shop server or a verified login token; a typed one is not. */
  emailVerified?: boolean;
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
}

/** A consent change to push to SHOP_WEBHOOK_URL. */
export interface ConsentWebhook {
  id: string;
  email: string;
  status: 'opt-in' | 'opt-out';
  changedAt: number;
  source: string;
}

export type QueueMessage =
  | { kind: 'event'; event: AcceptedEvent }
  | { kind: 'contact'; contact: AcceptedContact }
  | { kind: 'consent-webhook'; change: ConsentWebhook };
