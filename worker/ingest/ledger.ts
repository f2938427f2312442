// Ledger rows (table `deliveries`, migrations/0001_ledger.sql): written by the request side as it
// accepts, and by the consumer for a message that reached the queue without one.
import { itemsOf, type ItemMessage, type QueueMessage } from '../queue/messages.ts';

export const QUEUE_UNAVAILABLE = 'queue unavailable';

export interface LedgerRow {
  id: string;
  type: string;
  source: 'browser' | 'shop';
  contact: string | null;
  visitorId: string | null;
  payload: string;
  acceptedAt: number;
}

/** The row of one item; its payload is the item's own message (one event or contact), not the queue message's. */
export function ledgerRow(message: ItemMessage, payload: string): LedgerRow {
  switch (message.kind) {
    case 'event': {
      const e = message.event;
      return {
        id: e.id,
        type: e.type,
        source: e.source,
        contact: e.email ?? e.contactId ?? null,
        visitorId: e.visitorId ?? null,
        payload,
        acceptedAt: e.receivedAt,
      };
    }
    case 'contact':
      return {
        id: message.contact.id,
        type: 'contact',
        source: 'shop',
        contact: message.contact.email,
        visitorId: null,
        payload,
        acceptedAt: message.contact.receivedAt,
      };
    case 'consent-webhook':
      // Sent by the callback route (consent/webhook.ts) straight onto the queue, with no row written
      // there: this row is written by the consumer when it first sees the message, or by the
      // dead-letter handler (delivery/consumer.ts, delivery/dead-letters.ts). 'shop' is where the
      // change goes; the setup page's figures leave these rows out.
      return {
        id: message.change.id,
        type: 'consent-webhook',
        source: 'shop',
        contact: message.change.email,
        visitorId: null,
        payload,
        acceptedAt: message.change.changedAt,
      };
  }
}

/** The rows a queue message (of one or several items) stands for. */
export function ledgerRows(message: QueueMessage): LedgerRow[] {
  return itemsOf(message).map((item) => ledgerRow(item, JSON.stringify(item)));
}

/** INSERT OR IGNORE: a row that already exists (same id) is left untouched and reports 0 changes. */
export function insertRow(db: D1Database, row: LedgerRow, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO deliveries (id, type, source, contact, visitor_id, status, attempts, accepted_at, updated_at, payload)
       VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?)`,
    )
    .bind(row.id, row.type, row.source, row.contact, row.visitorId, row.acceptedAt, now, row.payload);
}

/** Rows whose queue send failed: 'failed' with the reason, so POST /admin/replay sends them again. */
export async function markQueueFailure(db: D1Database, ids: readonly string[], now: number): Promise<void> {
  // The ids travel as one JSON parameter: D1 bounds the parameters of a statement (100).
  await db
    .prepare(
      `UPDATE deliveries SET status = 'failed', last_error = ?1, updated_at = ?2
       WHERE id IN (SELECT value FROM json_each(?3)) AND status = 'queued'`,
    )
    .bind(QUEUE_UNAVAILABLE, now, JSON.stringify(ids))
    .run();
}
