// Replay: failed, dead and overdue queued rows go back on the queue with their stored payload, packed
// several to a message like fresh events. The messages are sent first and the rows updated after, so
// a failure in between can only leave a row that is both queued and still marked failed (delivered
// once anyway: the consumer dedupes by id, and tries a failed row again on a message's first attempt).
//
// Only what can now succeed is replayed: a row SALESmanago refused for its own content (reason
// "refused: ...", kind 'refused', run.ts) would be refused again and stays failed (counted in `refused`); failed
// rows of an account-wide cause (credentials, owner) and dead rows are replayed with a fresh budget of
// attempts. A queued row is replayed only when its next attempt is overdue (its queue message was
// lost: a crash of the local queue, a failed send): the reconciliation (scheduled.ts) does the same
// every hour. A replayed row that is still on the queue is harmless: the consumer dedupes by id.
// With several ledger databases (ledger/databases.ts) each is replayed in turn, every one up to what
// is left of the limit, and the counts are summed.
import { storedItem } from '../ledger/payloads.ts';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { replayKept } from '../platforms/kept.ts';
import { packMessages, sendMessages } from '../queue/send.ts';
import { countOfKind } from '../ledger/deliveries/rows.ts';
import { countReplayable, markReplayed, replayableRows } from '../ledger/deliveries/replay.ts';
import type { ReasonKind } from './state.ts';
import type { ItemMessage } from '../queue/messages.ts';
import { ledgerDatabases } from '../ledger/databases.ts';

/** Failed rows of this kind would be refused again: replay leaves them. */
const REFUSED: ReasonKind = 'refused';

export const REPLAYABLE = ['failed', 'dead', 'queued'] as const;
export type Replayable = (typeof REPLAYABLE)[number];
/** Without ?status=: failed and dead rows (queued ones only when asked, or by the hourly run). */
const DEFAULT_STATUSES: readonly Replayable[] = ['failed', 'dead'];

/** POST /admin/replay?status=queued: every queued row whose next attempt is due (an operator asks; a row still on the queue is deduped). */
const OVERDUE_MS = 0;

export interface ReplayResult {
  requeued: number;
  byStatus: Record<Replayable, number>;
  /** Rows whose stored payload cannot be read (left as they are). */
  unreadable: number;
  /** Failed rows SALESmanago refused for their content: a replay would fail again, left as they are. */
  refused: number;
  /** Replayable rows left for another call (at most `limit` rows are replayed per call). */
  remaining: number;
}

/** POST /admin/replay (the one function the route calls): the kept platform deliveries
 *  (platforms/kept.ts, default 500), or the failed, dead and overdue queued deliveries. */
export async function replayRequest(env: Env, config: Config, query: { status?: Replayable | 'kept' | undefined; limit?: number | undefined }) {
  const { status, limit } = query;
  if (status === 'kept') return replayKept(env, config, { limit: limit ?? 500 });
  return replay(env, { ...(status ? { statuses: [status] } : {}), ...(limit ? { limit } : {}), ledgers: config.ledgerDatabases });
}

/** Replays over `ledgers` ledger databases (config.ledgerDatabases; LEDGER alone by default). */
export async function replay(
  env: Pick<Env, 'LEDGER' | 'EVENTS'>,
  options: { statuses?: readonly Replayable[]; limit?: number; now?: number; overdueMs?: number; ledgers?: number } = {},
): Promise<ReplayResult> {
  const statuses = options.statuses?.length ? options.statuses : DEFAULT_STATUSES;
  const limit = Math.max(1, Math.min(options.limit ?? 5_000, 10_000));
  const now = options.now ?? Date.now();
  const dueBefore = now - (options.overdueMs ?? OVERDUE_MS);
  const result: ReplayResult = { requeued: 0, byStatus: { failed: 0, dead: 0, queued: 0 }, unreadable: 0, refused: 0, remaining: 0 };
  // One database after the other, so that the limit holds for the whole call.
  let left = limit;
  for (const db of ledgerDatabases(env, options.ledgers ?? 1)) {
    const unreadable = result.unreadable;
    const read = left > 0 ? await replayFrom(env, db, statuses, dueBefore, left, result) : 0;
    left -= read;
    result.remaining += Math.max(0, (await countReplayable(db, statuses, dueBefore, REFUSED)) - (result.unreadable - unreadable));
    if (statuses.includes('failed')) result.refused += await countOfKind(db, 'failed', REFUSED);
  }
  return result;
}

/** One database's replayable rows sent again and marked, counted into `result`; answers how many rows it read. */
async function replayFrom(
  env: Pick<Env, 'EVENTS'>,
  db: D1Database,
  statuses: readonly Replayable[],
  dueBefore: number,
  limit: number,
  result: ReplayResult,
): Promise<number> {
  const results = await replayableRows(db, statuses, dueBefore, limit, REFUSED);
  const statusOf = new Map<string, Replayable>();
  const ready: ItemMessage[] = [];
  for (const row of results) {
    const item = storedItem(row.payload, row.id);
    if (item) {
      ready.push(item);
      statusOf.set(row.id, row.status);
    } else result.unreadable += 1;
  }
  await sendMessages(env.EVENTS, packMessages(ready), {
    sent: async (part) => {
      const ids = part.flatMap((p) => p.ids);
      await markReplayed(db, ids, Date.now());
      for (const id of ids) result.byStatus[statusOf.get(id) ?? 'failed'] += 1;
      result.requeued += ids.length;
    },
  });
  return results.length;
}
