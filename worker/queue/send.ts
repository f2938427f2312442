// The one way onto the queue: messages packed within Cloudflare Queues' limits and sent in sendBatch
// calls. Every producer (the request routes, the consumer's retries, replay, the hourly release)
// goes through here, so the limits live in one place.
import { MAX_ITEMS_PER_MESSAGE, type ItemMessage, type QueueMessage } from './messages.ts';
import { errorText } from '../log.ts';

/** Cloudflare Queues: 128 KB per message (including ~100 B of metadata), 100 messages / 256 KB per sendBatch. */
export const MAX_MESSAGE_BYTES = 120_000;
const SEND_BATCH_MESSAGES = 100;
const SEND_BATCH_BYTES = 240_000;
const MESSAGE_OVERHEAD_BYTES = 128;

/** Bytes of a string in UTF-8, counted without encoding it (a lone surrogate becomes U+FFFD, 3 bytes,
 *  as TextEncoder writes it). Every item is measured on the request path, so this saves a copy each. */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: two units, four bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Bytes of a message as JSON (the queue's size limit counts these). */
export function messageBytes(message: QueueMessage): number {
  return utf8Bytes(JSON.stringify(message));
}

/** Splits items into consecutive chunks of at most `maxCount` items and `maxBytes` bytes. */
export function chunk<T>(items: readonly T[], size: (item: T) => number, maxCount: number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const s = size(item);
    if (current.length > 0 && (current.length >= maxCount || bytes + s > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += s;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A message to send, with the delay before it may be delivered. */
export interface Outgoing {
  message: QueueMessage;
  delaySeconds?: number;
  /** messageBytes(message), when the packer already knows it. */
  bytes?: number;
}

export interface PackedMessage extends Outgoing {
  /** Ledger ids of the items it carries, in order. */
  ids: string[];
}

const ENVELOPE_BYTES = {
  events: messageBytes({ kind: 'events', events: [] }),
  contacts: messageBytes({ kind: 'contacts', contacts: [] }),
};

/**
 * Packs item messages into queue messages of at most `maxItems` items and `maxBytes` bytes: events
 * with events, contacts with contacts, in order; a consent webhook travels alone. An item bigger than
 * maxBytes on its own still gets a message (the routes refuse items above MAX_MESSAGE_BYTES first).
 */
export function packMessages(items: readonly ItemMessage[], options: { maxItems?: number; maxBytes?: number } = {}): PackedMessage[] {
  const maxItems = options.maxItems ?? MAX_ITEMS_PER_MESSAGE;
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  const out: PackedMessage[] = [];
  const events: { event: Extract<ItemMessage, { kind: 'event' }>['event']; bytes: number }[] = [];
  const contacts: { contact: Extract<ItemMessage, { kind: 'contact' }>['contact']; bytes: number }[] = [];
  for (const item of items) {
    if (item.kind === 'event') events.push({ event: item.event, bytes: utf8Bytes(JSON.stringify(item.event)) + 1 });
    else if (item.kind === 'contact') contacts.push({ contact: item.contact, bytes: utf8Bytes(JSON.stringify(item.contact)) + 1 });
    else out.push({ message: item, ids: [item.change.id] });
  }
  // Each item's size counts one separating comma (one too many per message: an upper bound); the
  // envelope is counted once per message.
  const sum = (part: { bytes: number }[]) => part.reduce((n, p) => n + p.bytes, 0);
  for (const part of chunk(events, (e) => e.bytes, maxItems, maxBytes - ENVELOPE_BYTES.events)) {
    out.push({ message: { kind: 'events', events: part.map((e) => e.event) }, ids: part.map((e) => e.event.id), bytes: ENVELOPE_BYTES.events + sum(part) });
  }
  for (const part of chunk(contacts, (c) => c.bytes, maxItems, maxBytes - ENVELOPE_BYTES.contacts)) {
    out.push({
      message: { kind: 'contacts', contacts: part.map((c) => c.contact) },
      ids: part.map((c) => c.contact.id),
      bytes: ENVELOPE_BYTES.contacts + sum(part),
    });
  }
  return out;
}

/**
 * Sends `messages` in sendBatch calls within the queue's limits, in order. `sent` runs after each call
 * that succeeded, with its messages (e.g. to mark their ledger rows). A failed call throws, unless
 * `refused` is given: then it gets the call's messages and the error, and sending goes on.
 */
export async function sendMessages<T extends Outgoing>(
  queue: Queue<QueueMessage>,
  messages: readonly T[],
  handlers: { sent?: (part: T[]) => Promise<void> | void; refused?: (part: T[], err: unknown) => void } = {},
): Promise<void> {
  for (const part of chunk(messages, (m) => (m.bytes ?? messageBytes(m.message)) + MESSAGE_OVERHEAD_BYTES, SEND_BATCH_MESSAGES, SEND_BATCH_BYTES)) {
    try {
      await queue.sendBatch(part.map((m) => ({ body: m.message, contentType: 'json' as const, ...(m.delaySeconds ? { delaySeconds: m.delaySeconds } : {}) })));
    } catch (err) {
      if (!handlers.refused) throw err;
      handlers.refused(part, err);
      continue;
    }
    await handlers.sent?.(part);
  }
}

/** Sends packed messages; answers the ledger ids whose message the queue refused (the caller records them). */
export async function sendPacked(queue: Queue<QueueMessage>, packed: readonly PackedMessage[]): Promise<string[]> {
  const refused: string[] = [];
  await sendMessages(queue, packed, {
    refused: (part, err) => {
      console.error({ msg: 'queue send failed', messages: part.length, error: errorText(err) });
      refused.push(...part.flatMap((p) => p.ids));
    },
  });
  return refused;
}
