// The shop API (/api/v1/*) accepts ledger-first, because it answers "duplicate" synchronously; POST /e
// is queue-first (packMessages + sendPacked only; the consumer writes its rows). Ledger-first order:
//   1. INSERT OR IGNORE the ledger rows (status 'queued', payload = the queue message). The primary key
//      decides duplicates: a row that already existed is "duplicate" and is NOT queued again.
//   2. Send only the new rows to the queue, packed several to a message (packMessages: up to 50 items
//      and ~120 KB a message), the messages sent with sendBatch, chunked to the queue's limits.
//   3. If a send fails (a platform failure, not the client's fault), the rows of that chunk are marked
//      'failed' / 'queue unavailable' and the request is still answered as accepted: the event is
//      recorded with its payload and POST /admin/replay (npm run replay) re-enqueues it. Answering 5xx
//      would make the client retry into "duplicate" and learn nothing more.
//   If step 1 itself fails, nothing was recorded: the error propagates and the route answers 503 so
//   the client retries.
import type { Env } from '../env.ts';
import { itemId, MAX_ITEMS_PER_MESSAGE, type ItemMessage, type QueueMessage } from '../delivery/messages.ts';
import { insertRow, ledgerRow, markQueueFailure } from './ledger.ts';

/** Cloudflare Queues: 128 KB per message (including ~100 B of metadata), 100 messages / 256 KB per sendBatch. */
export const MAX_MESSAGE_BYTES = 120_000;
const SEND_BATCH_MESSAGES = 100;
const SEND_BATCH_BYTES = 240_000;
const MESSAGE_OVERHEAD_BYTES = 128;
// D1 statements per batch call, kept moderate so one call stays well inside D1's request limits.
const LEDGER_BATCH_STATEMENTS = 100;
const LEDGER_BATCH_BYTES = 4_000_000;

export type EnqueueStatus = 'queued' | 'duplicate';
export interface EnqueueOutcome {
  id: string;
  status: EnqueueStatus;
}

export interface EnqueueResult {
  outcomes: EnqueueOutcome[];
  /** Results of the extra statements run in the first ledger batch (e.g. a lookup), in order. */
  alongside: D1Result[];
  /** Ids recorded but not queued because the queue refused them. */
  queueFailed: string[];
}

const encoder = new TextEncoder();

/** Bytes of a message as JSON (the queue's size limit counts these). */
export function messageBytes(message: QueueMessage): number {
  return encoder.encode(JSON.stringify(message)).byteLength;
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

export interface PackedMessage {
  message: QueueMessage;
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
export function packMessages(
  items: readonly ItemMessage[],
  options: { maxItems?: number; maxBytes?: number } = {},
): PackedMessage[] {
  const maxItems = options.maxItems ?? MAX_ITEMS_PER_MESSAGE;
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  const out: PackedMessage[] = [];
  const events: { event: Extract<ItemMessage, { kind: 'event' }>['event']; bytes: number }[] = [];
  const contacts: { contact: Extract<ItemMessage, { kind: 'contact' }>['contact']; bytes: number }[] = [];
  for (const item of items) {
    if (item.kind === 'event') events.push({ event: item.event, bytes: encoder.encode(JSON.stringify(item.event)).byteLength + 1 });
    else if (item.kind === 'contact') contacts.push({ contact: item.contact, bytes: encoder.encode(JSON.stringify(item.contact)).byteLength + 1 });
    else out.push({ message: item, ids: [item.change.id] });
  }
  // Each item's size counts one separating comma; the envelope is counted once per message.
  for (const part of chunk(events, (e) => e.bytes, maxItems, maxBytes - ENVELOPE_BYTES.events)) {
    out.push({ message: { kind: 'events', events: part.map((e) => e.event) }, ids: part.map((e) => e.event.id) });
  }
  for (const part of chunk(contacts, (c) => c.bytes, maxItems, maxBytes - ENVELOPE_BYTES.contacts)) {
    out.push({ message: { kind: 'contacts', contacts: part.map((c) => c.contact) }, ids: part.map((c) => c.contact.id) });
  }
  return out;
}

/** Sends packed messages, chunked to sendBatch's limits. Answers the ids whose message was refused. */
export async function sendPacked(queue: Queue<QueueMessage>, packed: readonly PackedMessage[]): Promise<string[]> {
  const refused: string[] = [];
  for (const part of chunk(packed, (p) => messageBytes(p.message) + MESSAGE_OVERHEAD_BYTES, SEND_BATCH_MESSAGES, SEND_BATCH_BYTES)) {
    try {
      await queue.sendBatch(part.map((p) => ({ body: p.message, contentType: 'json' as const })));
    } catch (err) {
      console.error('queue send failed', part.length, err instanceof Error ? err.message : String(err));
      refused.push(...part.flatMap((p) => p.ids));
    }
  }
  return refused;
}

export async function enqueue(
  env: Pick<Env, 'LEDGER' | 'EVENTS'>,
  items: readonly ItemMessage[],
  options: { alongside?: D1PreparedStatement[]; now?: number; maxItemsPerMessage?: number } = {},
): Promise<EnqueueResult> {
  const now = options.now ?? Date.now();
  const prepared = items.map((item) => {
    const payload = JSON.stringify(item);
    return { item, payload, bytes: encoder.encode(payload).byteLength, row: ledgerRow(item, payload) };
  });

  // 1. Ledger first. Chunks run in order, so a repeated id later in the same request is a duplicate.
  const inserted = new Set<number>();
  let alongside: D1Result[] = [];
  const indexed = prepared.map((p, index) => ({ ...p, index }));
  const ledgerChunks = chunk(indexed, (p) => p.bytes, LEDGER_BATCH_STATEMENTS, LEDGER_BATCH_BYTES);
  if (ledgerChunks.length === 0 && options.alongside?.length) ledgerChunks.push([]);
  for (const [n, part] of ledgerChunks.entries()) {
    const extra = n === 0 ? (options.alongside ?? []) : [];
    const results = await env.LEDGER.batch([...part.map((p) => insertRow(env.LEDGER, p.row, now)), ...extra]);
    part.forEach((p, i) => {
      if ((results[i]?.meta.changes ?? 0) > 0) inserted.add(p.index);
    });
    if (n === 0) alongside = results.slice(part.length);
  }

  // 2. Queue only what is new, several items to a message.
  const fresh = indexed.filter((p) => inserted.has(p.index)).map((p) => p.item);
  const packed = packMessages(fresh, options.maxItemsPerMessage === undefined ? {} : { maxItems: options.maxItemsPerMessage });
  const queueFailed = await sendPacked(env.EVENTS, packed);
  // 3. Recorded but not queued: make them replayable. If even this fails they stay 'queued' with their payload.
  if (queueFailed.length > 0) {
    try {
      await markQueueFailure(env.LEDGER, queueFailed, now);
    } catch (err) {
      console.error('could not mark rows after a queue failure', queueFailed.length, err instanceof Error ? err.message : String(err));
    }
  }

  return {
    outcomes: prepared.map((p, index) => ({ id: itemId(p.item), status: inserted.has(index) ? 'queued' : 'duplicate' })),
    alongside,
    queueFailed,
  };
}
