// The open CART event of each contact (table open_carts). SALESmanago's official plugins keep the
// eventId of the first CART for 12 h and update that event on later cart changes; a Purchase closes
// it. We do the same, server-side, so one shopping session is one CART event.
import type { ContactRef } from '../salesmanago/types.ts';
import type { AcceptedEvent } from '../queue/messages.ts';
export { CART_OPEN_FOR_MS } from '../ledger/carts.ts';

/**
 * A cart change waits this long on the queue before it is sent: changes that follow within the
 * window supersede it, so an active shopper costs one call per window instead of one per change.
 */
export const CART_SETTLE_S = 60;

export function cartKey(ref: ContactRef): string {
  return 'email' in ref ? `email:${ref.email}` : `contact:${ref.contactId}`;
}

/**
 * Whether a cart change says what is in the cart. A Cart made from a visit to the cart page
 * (data-cart-path) does not: it must never overwrite known contents. `products: []` does: emptied.
 */
export function contentsKnown(event: AcceptedEvent): boolean {
  return Array.isArray(event.products);
}

/**
 * Which of two cart changes of one visitor is newer: the shopper's clock, then the position in its
 * beacon (two changes of one beacon often share a millisecond), then arrival. Never the event id
 * (it starts with random digits). Same order in supersededCarts' SQL (ledger/deliveries.ts).
 */
export function cartOrder(a: AcceptedEvent, b: AcceptedEvent): number {
  return a.occurredAt - b.occurredAt || (a.seq ?? 0) - (b.seq ?? 0) || a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The newest change with known contents, or undefined when none says what is in the cart. */
export function latestKnownCart<T extends { event: AcceptedEvent }>(group: readonly T[]): T | undefined {
  let latest: T | undefined;
  for (const item of group) {
    if (contentsKnown(item.event) && (!latest || cartOrder(item.event, latest.event) > 0)) latest = item;
  }
  return latest;
}

/**
 * An emptied cart is not sent: official code never sends an event with neither products nor value
 * (SDK 3.8 `Entity/Event/Event.php:346-349`, checked by `Services/ContactAndEventTransferService.php:90`),
 * and keeps the open CART eventId, so the next change updates the same event. We do the same.
 */
export function isEmptiedCart(event: AcceptedEvent): boolean {
  return Array.isArray(event.products) && event.products.length === 0;
}
