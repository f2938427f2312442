// An order event re-posted under the same (type, orderId[, returnId]) is a duplicate only when it
// says the same thing. When its content differs (another e-mail, another value) the shop's order
// numbers collide or it changed an order after the fact: the first accepted version stands, and the
// shop is told which fields differ (409 {"status": "conflict"}), instead of a silent "duplicate".
import { firstVersions, upsertConflicts } from '../ledger/order-conflicts.ts';
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
function differingFields(stored: AcceptedEvent, posted: AcceptedEvent): string[] {
  const a = content(stored);
  const b = content(posted);
  return Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/**
 * For re-posted events (answered "duplicate" by the ledger): the fields that differ from the version
 * already accepted, one list per posted event (in order; empty when it matches, or when the stored
 * payload is gone). A batch may repost one order twice, so this is by position, not by id.
 */
export async function orderConflicts(ledgers: readonly D1Database[], posted: readonly AcceptedEvent[]): Promise<string[][]> {
  if (posted.length === 0) return [];
  // Every ledger database (ledger/databases.ts): a re-post with another e-mail names another one.
  const found = await Promise.all(
    ledgers.map((db) =>
      firstVersions(
        db,
        posted.map((e) => e.id),
      ),
    ),
  );
  const stored = new Map(found.flatMap((m) => [...m]));
  return posted.map((e) => {
    const first = stored.get(e.id);
    return first ? differingFields(first, e) : [];
  });
}

/** Records conflicts for the setup page (table order_conflicts); never fails the request. */
export async function recordConflicts(db: D1Database, conflicts: { id: string; fields: string[] }[], now: number): Promise<void> {
  try {
    await upsertConflicts(db, conflicts, now);
  } catch (err) {
    logError('order conflicts not recorded', {}, err);
  }
}
