// Accepting = recording in the ledger, then queueing. Order matters:
//   1. INSERT OR IGNORE the ledger rows (status 'queued', payload = the queue message). The primary key
//      decides duplicates: a row that already existed is "duplicate" and is NOT queued again.
//   2. Send only the new rows to the queue (sendBatch, chunked to the queue's limits).
//   3. If a send fails (a platform failure, not the client's fault), the rows of that chunk are marked
//      'failed' / 'queue unavailable' and the request is still answered as accepted: the event is
//      recorded with its payload and POST /admin/replay (npm run replay) re-enqueues it. Answering 5xx
//      would make the client retry into "duplicate" and learn nothing more.
//   If step 1 itself fails, nothing was recorded: the error propagates and the route answers 503 so
//   the client retries.
import type { Env } from '../env.ts';
import type { QueueMessage } from '../delivery/messages.ts';
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

export async function enqueue(
  env: Pick<Env, 'LEDGER' | 'EVENTS'>,
  messages: readonly QueueMessage[],
  options: { alongside?: D1PreparedStatement[]; now?: number } = {},
): Promise<EnqueueResult> {
  const now = options.now ?? Date.now();
  const prepared = messages.map((message) => {
    const payload = JSON.stringify(message);
    return { message, payload, bytes: encoder.encode(payload).byteLength, row: ledgerRow(message, payload) };
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

  // 2. Queue only what is new.
  const fresh = indexed.filter((p) => inserted.has(p.index));
  const queueFailed: string[] = [];
  for (const part of chunk(fresh, (p) => p.bytes + MESSAGE_OVERHEAD_BYTES, SEND_BATCH_MESSAGES, SEND_BATCH_BYTES)) {
    try {
      await env.EVENTS.sendBatch(part.map((p) => ({ body: p.message, contentType: 'json' as const })));
    } catch (err) {
      console.error('queue send failed; rows marked for replay', part.length, err instanceof Error ? err.message : String(err));
      queueFailed.push(...part.map((p) => p.row.id));
    }
  }
  // 3. Recorded but not queued: make them replayable. If even this fails they stay 'queued' with their payload.
  if (queueFailed.length > 0) {
    try {
      await markQueueFailure(env.LEDGER, queueFailed, now);
    } catch (err) {
      console.error('could not mark rows after a queue failure', queueFailed.length, err instanceof Error ? err.message : String(err));
    }
  }

  return {
    outcomes: prepared.map((p, index) => ({ id: p.row.id, status: inserted.has(index) ? 'queued' : 'duplicate' })),
    alongside,
    queueFailed,
  };
}
