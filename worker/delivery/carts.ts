// The open CART event of each contact (table open_carts). SALESmanago's official plugins keep the
// eventId of the first CART for 12 h and update that event on later cart changes; a Purchase closes
// it. We do the same, server-side, so one shopping session is one CART event.
import type { ContactRef } from '../salesmanago/types.ts';
import type { AcceptedEvent } from '../queue/messages.ts';

export const CART_OPEN_FOR_MS = 12 * 3600 * 1000;
/**
 * A cart change waits this long on the queue before it is sent: changes that follow within the
 * window supersede it, so an active shopper costs one call per window instead of one per change.
 */
export const CART_SETTLE_S = 60;

export function cartKey(ref: ContactRef): string {
  return 'email' in ref ? `email:${ref.email}` : `contact:${ref.contactId}`;
}

/** eventIds of carts opened less than 12 h ago. */
export async function openCarts(db: D1Database, keys: readonly string[], now: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (keys.length === 0) return out;
  const { results } = await db
    .prepare(
      `SELECT contact_key, event_id FROM open_carts
       WHERE contact_key IN (SELECT value FROM json_each(?1)) AND opened_at > ?2`,
    )
    .bind(JSON.stringify(keys), now - CART_OPEN_FOR_MS)
    .all<{ contact_key: string; event_id: string }>();
  for (const r of results) out.set(r.contact_key, r.event_id);
  return out;
}

export async function openCart(db: D1Database, key: string, eventId: string, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO open_carts (contact_key, event_id, opened_at, updated_at) VALUES (?1, ?2, ?3, ?3)
       ON CONFLICT (contact_key) DO UPDATE SET event_id = excluded.event_id, opened_at = excluded.opened_at,
         updated_at = excluded.updated_at`,
    )
    .bind(key, eventId, now)
    .run();
}

export async function touchCart(db: D1Database, key: string, now: number): Promise<void> {
  await db.prepare('UPDATE open_carts SET updated_at = ?2 WHERE contact_key = ?1').bind(key, now).run();
}

export async function closeCarts(db: D1Database, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .prepare('DELETE FROM open_carts WHERE contact_key IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(keys))
    .run();
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
 * (it starts with random digits). Same order in supersededCarts' SQL.
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

/**
 * Carts for which the ledger already holds a newer cart change with known contents of the same
 * visitor (queued, held or delivered): sending them would cost a call, or worse, overwrite the newer
 * state with an older one. Newer as cartOrder says, read from the rows' payloads, so a beacon that
 * arrives late (a retry, out of order) never wins over a newer one already accepted.
 */
export async function supersededCarts(db: D1Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare(
      `SELECT d.id FROM deliveries AS d
       WHERE d.id IN (SELECT value FROM json_each(?1)) AND d.visitor_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM deliveries AS n
         WHERE n.visitor_id = d.visitor_id AND n.status IN ('queued', 'held', 'delivered')
           AND n.type = 'cart' AND n.id <> d.id AND json_type(n.payload, '$.event.products') = 'array'
           AND (json_extract(n.payload, '$.event.occurredAt'), coalesce(json_extract(n.payload, '$.event.seq'), 0), n.accepted_at, n.id)
             > (json_extract(d.payload, '$.event.occurredAt'), coalesce(json_extract(d.payload, '$.event.seq'), 0), d.accepted_at, d.id))`,
    )
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

/** Scheduled: forgets carts older than 12 h. Answers how many. */
export async function pruneCarts(db: D1Database, now: number): Promise<number> {
  const res = await db.prepare('DELETE FROM open_carts WHERE opened_at <= ?1').bind(now - CART_OPEN_FOR_MS).run();
  return res.meta.changes ?? 0;
}
