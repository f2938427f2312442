// An order event re-posted under the same (type, orderId[, returnId]) is a duplicate only when it
// says the same thing. When its content differs (another e-mail, another value) the shop's order
// numbers collide or it changed an order after the fact: the first accepted version stands, and the
// shop is told which fields differ (409 {"status": "conflict"}), instead of a silent "duplicate".
import { storedEvent } from '../ledger/payloads.ts';
import type { AcceptedEvent } from '../queue/messages.ts';
import { logError } from '../log.ts';

/** What an order event says, field by field (ids and receive times are not content). */
function content(e: AcceptedEvent): Record<string, unknown> {
  return {
    email: e.email?.toLowerCase(),
    name: e.name,
    phone: e.phone,
    lang: e.lang,
    value: e.value,
    currency: e.currency,
    occurredAt: e.occurredAt,
    products: (e.products ?? []).map((p) => [p.id, p.name ?? null, p.quantity, p.price ?? null]),
    loggedIn: e.order?.loggedIn ?? false,
    paymentMethod: e.order?.paymentMethod,
    shippingMethod: e.order?.shippingMethod,
  };
}

/** The fields whose values differ between the stored and the re-posted version, in a fixed order. */
export function differingFields(stored: AcceptedEvent, posted: AcceptedEvent): string[] {
  const a = content(stored);
  const b = content(posted);
  return Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/**
 * For re-posted events (answered "duplicate" by the ledger): the fields that differ from the version
 * already accepted, one list per posted event (in order; empty when it matches, or when the stored
 * payload is gone). A batch may repost one order twice, so this is by position, not by id.
 */
export async function orderConflicts(db: D1Database, posted: readonly AcceptedEvent[]): Promise<string[][]> {
  if (posted.length === 0) return [];
  const { results } = await db
    .prepare('SELECT id, payload FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(posted.map((e) => e.id)))
    .all<{ id: string; payload: string | null }>();
  const stored = new Map<string, AcceptedEvent>();
  for (const r of results) {
    // An unreadable payload is treated as a plain duplicate.
    const event = storedEvent(r.payload, r.id);
    if (event) stored.set(r.id, event);
  }
  return posted.map((e) => {
    const first = stored.get(e.id);
    return first ? differingFields(first, e) : [];
  });
}

/** Records conflicts for the setup page (table order_conflicts); never fails the request. */
export async function recordConflicts(db: D1Database, conflicts: { id: string; fields: string[] }[], now: number): Promise<void> {
  if (conflicts.length === 0) return;
  try {
    await db.batch(
      conflicts.map((c) =>
        db
          .prepare(
            `INSERT INTO order_conflicts (id, fields, reposts, last_at) VALUES (?1, ?2, 1, ?3)
             ON CONFLICT (id) DO UPDATE SET fields = excluded.fields, reposts = reposts + 1, last_at = excluded.last_at`,
          )
          .bind(c.id, JSON.stringify(c.fields), now),
      ),
    );
  } catch (err) {
    logError('order conflicts not recorded', {}, err);
  }
}

export interface ConflictSeen {
  id: string;
  fields: string[];
  reposts: number;
  at: number;
}

/** The latest conflicts, newest first. */
export async function latestConflicts(db: D1Database, limit = 5): Promise<ConflictSeen[]> {
  const { results } = await db
    .prepare('SELECT id, fields, reposts, last_at FROM order_conflicts ORDER BY last_at DESC LIMIT ?1')
    .bind(limit)
    .all<{ id: string; fields: string; reposts: number; last_at: number }>();
  return results.map((r) => ({ id: r.id, fields: JSON.parse(r.fields) as string[], reposts: r.reposts, at: r.last_at }));
}
