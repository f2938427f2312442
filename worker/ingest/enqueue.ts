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
//   If step 1 itself fails, nothing was recorded: LedgerUnavailable (503) so the client retries. The
//   request's replay record (`claim`, ledger/seen-signatures.ts) runs in the first ledger batch: one D1
//   round trip, and a replayed request fails that batch whole (Unauthenticated, 401), recording nothing.
import type { Env } from '../env.ts';
import { itemId, type ItemMessage } from '../queue/messages.ts';
import { chunk, packMessages, sendPacked, utf8Bytes } from '../queue/send.ts';
import { insertRows, ledgerRow, markQueueFailure } from '../ledger/deliveries/rows.ts';
import type { StoredReason } from '../ledger/reason-kinds.ts';
import { isSignatureReplay } from '../ledger/seen-signatures.ts';
import { SIGNATURE_REPLAYED } from '../identity/signature.ts';
import { LedgerUnavailable, Unauthenticated } from '../errors.ts';
import { logError } from '../log.ts';

/** The reason of rows recorded but not queued: of kind 'queue-unavailable', so POST /admin/replay sends them. */
const QUEUE_UNAVAILABLE: StoredReason = { text: 'queue unavailable', kind: 'queue-unavailable' };

// D1 statements per batch call, kept moderate so one call stays well inside D1's request limits.
const LEDGER_BATCH_STATEMENTS = 100;
const LEDGER_BATCH_BYTES = 4_000_000;

type EnqueueStatus = 'queued' | 'duplicate';
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

export async function enqueue(
  env: Pick<Env, 'LEDGER' | 'EVENTS'>,
  items: readonly ItemMessage[],
  options: { alongside?: D1PreparedStatement[]; claim?: D1PreparedStatement; now?: number; maxItemsPerMessage?: number } = {},
): Promise<EnqueueResult> {
  const now = options.now ?? Date.now();
  const prepared = items.map((item) => {
    const payload = JSON.stringify(item);
    return { item, payload, bytes: utf8Bytes(payload), row: ledgerRow(item, payload) };
  });

  // 1. Ledger first. Chunks run in order, so a repeated id later in the same request is a duplicate.
  const inserted = new Set<number>();
  let alongside: D1Result[] = [];
  const indexed = prepared.map((p, index) => ({ ...p, index }));
  const ledgerChunks = chunk(indexed, (p) => p.bytes, LEDGER_BATCH_STATEMENTS, LEDGER_BATCH_BYTES);
  if (ledgerChunks.length === 0 && (options.alongside?.length || options.claim)) ledgerChunks.push([]);
  for (const [n, part] of ledgerChunks.entries()) {
    const extra = n === 0 ? [...(options.alongside ?? []), ...(options.claim ? [options.claim] : [])] : [];
    let written: Awaited<ReturnType<typeof insertRows>>;
    try {
      written = await insertRows(
        env.LEDGER,
        part.map((p) => p.row),
        now,
        extra,
      );
    } catch (err) {
      // A later chunk cannot meet the claim: it ran, and passed, with the first one.
      if (n === 0 && options.claim && isSignatureReplay(err)) throw new Unauthenticated(SIGNATURE_REPLAYED);
      logError('ledger write failed', {}, err);
      throw new LedgerUnavailable();
    }
    part.forEach((p, i) => {
      if (written.inserted[i]) inserted.add(p.index);
    });
    if (n === 0) alongside = written.alongside.slice(0, options.alongside?.length ?? 0);
  }

  // 2. Queue only what is new, several items to a message.
  const fresh = indexed.filter((p) => inserted.has(p.index)).map((p) => p.item);
  const packed = packMessages(fresh, options.maxItemsPerMessage === undefined ? {} : { maxItems: options.maxItemsPerMessage });
  const queueFailed = await sendPacked(env.EVENTS, packed);
  // 3. Recorded but not queued: make them replayable. If even this fails they stay 'queued' with their payload.
  if (queueFailed.length > 0) {
    try {
      await markQueueFailure(env.LEDGER, queueFailed, QUEUE_UNAVAILABLE, now);
    } catch (err) {
      logError('could not mark rows after a queue failure', { count: queueFailed.length }, err);
    }
  }

  return {
    outcomes: prepared.map((p, index) => ({ id: itemId(p.item), status: inserted.has(index) ? 'queued' : 'duplicate' })),
    alongside,
    queueFailed,
  };
}
