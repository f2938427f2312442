// What every shop-platform adapter provides. A platform is one mapper module (its payload schemas per
// topic and a pure function from a validated payload to our event and contact shapes) plus one route
// that calls receiveWebhook (receive.ts) with it. A third platform is one more of each.
import type * as v from 'valibot';
import type { PlatformsConfig } from '../config.ts';
import type { shopContactSchema, shopEventSchema } from '../ingest/shop-schema.ts';

export type PlatformName = 'woocommerce' | 'shopify';

/** An order event in the shop API's own input shape: checked by shopEventSchema like a signed POST. */
export type EventDraft = v.InferInput<typeof shopEventSchema> & {
  /** The buyer's company: not a shop API field, but an event field the contact upsert uses. */
  company?: string;
};

/** A Shopify refund carries no buyer: filled in from the purchase of the same order in the ledger. */
export interface RefundDraft {
  orderId: string;
  returnId: string;
  value: number | null;
  currency: string | null;
  products: { id: string; name?: string; quantity: number; price?: number }[];
  occurredAt: string;
}

export type ConsentChoice = 'subscribe' | 'unsubscribe';

export interface ContactDraft {
  /** The shop API's own contact shape: a platform's e-mail and mobile consent ride in `newsletter` and `sms`. */
  contact: v.InferInput<typeof shopContactSchema>;
  /**
   * When the platform says each choice was made (ms since the epoch). receive.ts keeps a choice only
   * when it is later than the consent store's changedAt for the address: a platform re-sends its
   * stored state on every update, which must not override a later choice (e.g. an unsubscribe
   * through SALESmanago's link). A choice without a time here is kept as the mapper gives it.
   */
  statedAt?: { newsletter?: number; sms?: number };
  /**
   * Names the consent statement the contact carries (e.g. customer id + time of the choice): while a
   * choice is kept, the contact's id is derived from it, so a re-delivery of the same statement is
   * the same contact (and the same double opt-in claim), whatever the delivery id.
   */
  statement?: string;
}

export type Mapped =
  | {
      kind: 'items';
      events: EventDraft[];
      refunds: RefundDraft[];
      contacts: ContactDraft[];
      notes: string[];
      /** The platform's customer ids and their e-mails, for a later deletion that names only the id (customers.ts). */
      customers?: { id: string; email: string }[];
    }
  | { kind: 'ignored'; reason: string }
  /** Catalog products (platforms/products.ts): items of POST /api/v1/products, without a currency. */
  | { kind: 'products'; products: Record<string, unknown>[] }

  /** The platform asks to erase a customer (Shopify customers/redact): consent/erasure.ts. */
  | { kind: 'erase'; email: string }
  /** The platform deleted a customer known by id only (WooCommerce customer.deleted): the e-mail is looked up (customers.ts). */
  | { kind: 'erase-customer'; customerId: string };

export interface WebhookHeaders {
  get(name: string): string | undefined;
}

export interface Platform {
  name: PlatformName;
  /** Shown on the setup page and in docs/platforms.md. */
  label: string;
  path: string;
  secretName: string;
  signatureHeader: string;
  topicHeader: string;
  deliveryIdHeader: string;
  /** Payload schema of each topic handled; any other topic is refused with 400. */
  topics: Record<string, v.GenericSchema>;
  secret(config: PlatformsConfig): string | null;
  /** A delivery that needs no signature and changes nothing (WooCommerce's ping), or null. */
  ping?(body: string, headers: WebhookHeaders): string | null;
  /** Checks beyond the signature (e.g. the sending shop); an error text means 403. */
  checkSender?(headers: WebhookHeaders, config: PlatformsConfig): string | null;
  map(topic: string, payload: unknown, config: PlatformsConfig, receivedAt: number): Mapped;
}

export const ignored = (reason: string): Mapped => ({ kind: 'ignored', reason });

/** Free text clipped to what the shop API accepts (platforms allow longer names than SALESmanago). */
export function clip(value: string | null | undefined, max: number): string | undefined {
  const t = (value ?? '').trim();
  return t === '' ? undefined : t.slice(0, max);
}

export function fullName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  return clip(
    [first, last]
      .map((s) => (s ?? '').trim())
      .filter(Boolean)
      .join(' '),
    200,
  );
}
