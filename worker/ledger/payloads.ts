// The one reader of a ledger row's stored payload. A row's payload is its own item's queue message
// (deliveries/rows.ts ledgerRow); rows written before items were stored one by one hold the whole
// message, so the row's item is found by id. Anything unreadable answers null: each caller records
// or reports that with its own reason, and never throws on a damaged row.
import { itemId, readItems, type AcceptedEvent, type ItemMessage } from '../queue/messages.ts';

/** The item this row stands for, or null when the payload is missing, not JSON or holds no such item. */
export function storedItem(payload: string | null | undefined, id: string): ItemMessage | null {
  if (!payload) return null;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return null;
  }
  return readItems(body).find((item) => itemId(item) === id) ?? null;
}

/** The stored event of this row, or null (see storedItem). */
export function storedEvent(payload: string | null | undefined, id: string): AcceptedEvent | null {
  const item = storedItem(payload, id);
  return item?.kind === 'event' ? item.event : null;
}
