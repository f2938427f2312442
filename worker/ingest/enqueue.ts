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
//   With several ledger databases (ledger/databases.ts) each row goes to its contact's; a batch that
//   fails after another database's was written leaves those rows queued without a message, which the
//   hourly reconciliation sends (delivery/scheduled.ts), as a later chunk's failure always did.
import type { Env } from '../env.ts';
import { itemId, type ItemMessage } from '../queue/messages.ts';
import { chunk, packMessages, sendPacked, utf8Bytes } from '../queue/send.ts';
import { insertRows, knownIds, ledgerRow, markQueueFailure, type LedgerRow } from '../ledger/deliveries/rows.ts';
import { byLedger, ledgerOfKey, overEvery, type LedgerBindings } from '../ledger/databases.ts';
import { laggingReads } from '../ledger/sessions.ts';
import { itemKey } from '../queue/shards.ts';
import type { StoredReason } from '../ledger/reason-kinds.ts';
import { isSignatureReplay, type SignatureClaim } from '../ledger/seen-signatures.ts';
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
  options: { alongside?: D1PreparedStatement[]; claim?: SignatureClaim; now?: number; maxItemsPerMessage?: number; ledgers?: number } = {},
): Promise<EnqueueResult> {
  const now = options.now ?? Date.now();
  const ledgers = options.ledgers ?? 1;
  const prepared = items.map((item) => {
    const payload = JSON.stringify(item);
    return { item, payload, bytes: utf8Bytes(payload), row: ledgerRow(item, payload) };
  });
  const indexed = prepared.map((p, index) => ({ ...p, index }));

  // 1. Ledger first. Chunks run in order, so a repeated id later in the same request is a duplicate.
  const inserted = new Set<number>();
  let alongside: D1Result[] = [];
  if (ledgers <= 1) {
    // One database: the claim and the statements alongside ride in the first batch (one round trip).
    const extra = [...(options.alongside ?? []), ...(options.claim ? [options.claim(env.LEDGER)] : [])];
    alongside = (await insertChunks(env.LEDGER, indexed, inserted, extra, !!options.claim, now)).slice(0, options.alongside?.length ?? 0);
  } else {
    // Rows in their contacts' databases (ledger/databases.ts), which no batch spans. The claim rides in
    // the batch of the first item's database (a replay, the same body, meets it there and records
    // nothing), which goes first; what goes alongside (a platform delivery's record, a consent proof)
    // goes to LEDGER last, so that it never stands without the rows it answers for.
    const first = indexed[0] ? ledgerOfKey(env, ledgers, itemKey(indexed[0].item)) : env.LEDGER;
    const groups = byLedger(env, ledgers, await unseen(env, ledgers, indexed), (p) => itemKey(p.item));
    const order = [first, ...[...groups.keys()].filter((db) => db !== first)];
    for (const db of order) {
      const claim = db === first && options.claim ? [options.claim(db)] : [];
      await insertChunks(db, groups.get(db) ?? [], inserted, claim, claim.length > 0, now);
    }
    if (options.alongside?.length) alongside = await insertChunks(env.LEDGER, [], inserted, options.alongside, false, now);
  }

  // 2. Queue only what is new, several items to a message.
  const fresh = indexed.filter((p) => inserted.has(p.index)).map((p) => p.item);
  const packed = packMessages(fresh, options.maxItemsPerMessage === undefined ? {} : { maxItems: options.maxItemsPerMessage });
  const queueFailed = await sendPacked(env.EVENTS, packed);
  // 3. Recorded but not queued: make them replayable. If even this fails they stay 'queued' with their payload.
  if (queueFailed.length > 0) {
    try {
      const failed = new Set(queueFailed);
      const rows = indexed.filter((p) => failed.has(p.row.id));
      for (const [db, part] of byLedger(env, ledgers, rows, (p) => itemKey(p.item)))
        await markQueueFailure(
          db,
          part.map((p) => p.row.id),
          QUEUE_UNAVAILABLE,
          now,
        );
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

type Prepared = { item: ItemMessage; bytes: number; row: LedgerRow; index: number };

/**
 * With several databases, the rows no database holds yet, each id once (its first occurrence). An
 * order re-posted with another e-mail names another database: it is a duplicate all the same. Read
 * off the writers (a read replica may lag): two such re-posts within a replica's lag could both pass
 * (docs/operations.md "Ledger databases"); the first item's database still refuses a repeat of its own.
 */
async function unseen(env: LedgerBindings, ledgers: number, rows: readonly Prepared[]): Promise<Prepared[]> {
  const ids = [...new Set(rows.map((p) => p.row.id))];
  let found: Set<string>[];
  try {
    found = await overEvery(env, ledgers, (db) => knownIds(laggingReads(db), ids));
  } catch (err) {
    logError('ledger read failed', {}, err);
    throw new LedgerUnavailable();
  }
  const seen = new Set(found.flatMap((set) => [...set]));
  return rows.filter((p) => {
    if (seen.has(p.row.id)) return false;
    seen.add(p.row.id);
    return true;
  });
}

/**
 * Writes rows into one database in chunks, `extra` in the first batch; marks the inserted ones (by
 * index) in `inserted`. Answers the results of `extra`. A replayed claim is Unauthenticated (401), any
 * other failure LedgerUnavailable (503): nothing of that batch was recorded.
 */
async function insertChunks(
  db: D1Database,
  rows: readonly Prepared[],
  inserted: Set<number>,
  extra: readonly D1PreparedStatement[],
  claims: boolean,
  now: number,
): Promise<D1Result[]> {
  const chunks = chunk(rows, (p) => p.bytes, LEDGER_BATCH_STATEMENTS, LEDGER_BATCH_BYTES);
  if (chunks.length === 0 && extra.length > 0) chunks.push([]);
  let results: D1Result[] = [];
  for (const [n, part] of chunks.entries()) {
    let written: Awaited<ReturnType<typeof insertRows>>;
    try {
      written = await insertRows(
        db,
        part.map((p) => p.row),
        now,
        n === 0 ? extra : [],
      );
    } catch (err) {
      // A later chunk cannot meet the claim: it ran, and passed, with the first one.
      if (n === 0 && claims && isSignatureReplay(err)) throw new Unauthenticated(SIGNATURE_REPLAYED);
      logError('ledger write failed', {}, err);
      throw new LedgerUnavailable();
    }
    part.forEach((p, i) => {
      if (written.inserted[i]) inserted.add(p.index);
    });
    if (n === 0) results = written.alongside;
  }
  return results;
}
