// Turns validated shop server bodies into AcceptedEvents / AcceptedContacts with their ledger ids.
import type { AcceptedContact, AcceptedEvent } from '../queue/messages.ts';
import type { ShopContactInput, ShopEventInput } from './shop-schema.ts';

/**
 * Deterministic ledger id of an order event: the same (type, orderId, returnId) always gives the same
 * id, so a repost hits the ledger's primary key and is answered "duplicate". "%" and ":" in the parts
 * are percent-escaped, so an order id containing ":" cannot collide with another (orderId, returnId).
 * returnId is part of the identity of returns only.
 */
export function shopEventId(type: ShopEventInput['type'], orderId: string, returnId?: string | null): string {
  const base = `s:${type}:${escapeIdPart(orderId)}`;
  return type === 'return' ? `${base}:${escapeIdPart(returnId ?? '')}` : base;
}

function escapeIdPart(part: string): string {
  return part.replace(/[%:]/g, (ch) => (ch === '%' ? '%25' : '%3A'));
}

function optional<K extends string, T>(key: K, value: T | null | undefined): Partial<Record<K, T>> {
  return value === null || value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, T>);
}

export function acceptShopEvent(input: ShopEventInput, receivedAt: number): AcceptedEvent {
  return {
    id: shopEventId(input.type, input.orderId, input.returnId),
    type: input.type,
    source: 'shop',
    occurredAt: input.occurredAt,
    receivedAt,
    email: input.email,
    emailVerified: true,
    ...optional('name', input.name),
    ...optional('phone', input.phone),
    ...optional('lang', input.lang),
    products: input.products.map((p) => ({
      id: p.id,
      quantity: p.quantity,
      ...optional('name', p.name),
      ...optional('price', p.price),
    })),
    value: input.value,
    currency: input.currency,
    order: {
      orderId: input.orderId,
      ...optional('returnId', input.type === 'return' ? input.returnId : undefined),
      ...optional('loggedIn', input.loggedIn),
      ...optional('paymentMethod', input.paymentMethod),
      ...optional('shippingMethod', input.shippingMethod),
    },
    ...optional('buyer', buyerOf(input)),
  };
}

/** The buyer's contact data of an order (customerId is the shop's customer id, SALESmanago's externalId). */
function buyerOf(input: ShopEventInput): AcceptedEvent['buyer'] {
  const buyer: NonNullable<AcceptedEvent['buyer']> = {
    ...optional('externalId', input.customerId),
    ...optional('address', input.address ? definedOnly(input.address) : undefined),
    ...optional('birthday', input.birthday),
    ...optional('properties', input.properties),
  };
  return Object.keys(buyer).length > 0 ? buyer : undefined;
}

/** A contact is not deduplicated: each post is a new upsert (the latest data wins in SALESmanago). */
export function acceptShopContact(input: ShopContactInput, receivedAt: number, id = `c:${crypto.randomUUID()}`): AcceptedContact {
  return {
    id,
    receivedAt,
    email: input.email,
    ...optional('name', input.name),
    ...optional('phone', input.phone),
    ...optional('company', input.company),
    ...optional('lang', input.lang),
    ...optional('newsletter', input.newsletter),
    ...optional('trigger', input.trigger),
    // The complete contact (issue 9): passed through as validated by shopContactSchema.
    ...optional('sms', input.sms),
    ...optional('externalId', input.externalId),
    ...optional('address', input.address ? definedOnly(input.address) : undefined),
    ...optional('birthday', input.birthday),
    ...optional('properties', input.properties),
    ...optional('removeTags', input.removeTags),
    ...optional('previousEmail', input.previousEmail),
    ...optional('consents', input.consents),
  };
}

function definedOnly<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== null && x !== undefined && x !== '')) as never;
}

/**
 * A history contact (a batch with history: true): the consent fields are dropped, since an import never
 * changes consent (as the plugin's export, SDK `Services/ExportService.php:57-60`: no double opt-in), and
 * neither is the trigger kept (its tags). Its ledger id is a hash of what is left, so importing the same
 * contact again is answered "duplicate" and sends nothing; changed data is a new upsert.
 */
export async function acceptHistoryContact(input: ShopContactInput, receivedAt: number): Promise<AcceptedContact> {
  const { newsletter: _n, sms: _s, consents: _c, trigger: _t, ...kept } = input;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(kept)));
  const hex = [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { ...acceptShopContact(kept, receivedAt, `c:h:${hex}`), history: true };
}
