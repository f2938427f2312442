// Replay: failed, dead and overdue queued rows go back on the queue with their stored payload, packed
// several to a message like fresh events. The messages are sent first and the rows updated after, so
// a failure in between can only leave a row that is both queued and still marked failed (delivered
// once anyway: the consumer dedupes by id, and tries a failed row again on a message's first attempt).
//
// Only what can now succeed is replayed: a row SALESmanago refused for its own content (reason
// "refused: ...", deliver.ts) would be refused again and stays failed (counted in `refused`); failed
// rows of an account-wide cause (credentials, owner) and dead rows are replayed with a fresh budget of
// attempts. A queued row is replayed only when its next attempt is overdue (its queue message was
// lost: a crash of the local queue, a failed send): the reconciliation (scheduled.ts) does the same
// every hour. A replayed row that is still on the queue is harmless: the consumer dedupes by id.
import { storedItem } from '../ledger/payloads.ts';
import type { Env } from '../env.ts';
import { packMessages, sendMessages } from '../queue/send.ts';
import { REFUSED_PREFIX } from './deliver.ts';
import type { ItemMessage } from '../queue/messages.ts';

export const REPLAYABLE = ['failed', 'dead', 'queued'] as const;
export type Replayable = (typeof REPLAYABLE)[number];
/** Without ?status=: failed and dead rows (queued ones only when asked, or by the hourly run). */
const DEFAULT_STATUSES: readonly Replayable[] = ['failed', 'dead'];

/** POST /admin/replay?status=queued: every queued row whose next attempt is due (an operator asks; a row still on the queue is deduped). */
export const OVERDUE_MS = 0;

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

/** Rows of these statuses that a replay would send: not refused, and queued only when overdue. */
const REPLAYABLE_WHERE = `status IN (SELECT value FROM json_each(?1))
  AND NOT (status = 'failed' AND last_error LIKE '${REFUSED_PREFIX}%')
  AND NOT (status = 'queued' AND COALESCE(next_attempt_at, updated_at) > ?2)`;

export async function replay(
  env: Pick<Env, 'LEDGER' | 'EVENTS'>,
  options: { statuses?: readonly Replayable[]; limit?: number; now?: number; overdueMs?: number } = {},
): Promise<ReplayResult> {
  const statuses = options.statuses?.length ? options.statuses : DEFAULT_STATUSES;
  const limit = Math.max(1, Math.min(options.limit ?? 5_000, 10_000));
  const now = options.now ?? Date.now();
  const dueBefore = now - (options.overdueMs ?? OVERDUE_MS);
  const { results } = await env.LEDGER
    .prepare(`SELECT id, status, payload FROM deliveries WHERE ${REPLAYABLE_WHERE} ORDER BY updated_at, id LIMIT ?3`)
    .bind(JSON.stringify(statuses), dueBefore, limit)
    .all<{ id: string; status: Replayable; payload: string | null }>();

  const result: ReplayResult = { requeued: 0, byStatus: { failed: 0, dead: 0, queued: 0 }, unreadable: 0, refused: 0, remaining: 0 };
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
      // Failed and dead rows start a fresh budget of attempts; next_attempt_at = now keeps the hourly
      // reconciliation from sending a queued one again while its new message is on the queue.
      await env.LEDGER
        .prepare(
          `UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, updated_at = ?2,
                  attempts = CASE WHEN status = 'queued' THEN attempts ELSE 0 END
           WHERE id IN (SELECT value FROM json_each(?1)) AND status IN ('failed', 'dead', 'queued')`,
        )
        .bind(JSON.stringify(ids), Date.now())
        .run();
      for (const id of ids) result.byStatus[statusOf.get(id) ?? 'failed'] += 1;
      result.requeued += ids.length;
    },
  });
  const left = await env.LEDGER
    .prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE ${REPLAYABLE_WHERE}`)
    .bind(JSON.stringify(statuses), dueBefore)
    .first<{ n: number }>();
  result.remaining = Math.max(0, (left?.n ?? 0) - result.unreadable);
  if (statuses.includes('failed')) {
    const refused = await env.LEDGER
      .prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'failed' AND last_error LIKE '${REFUSED_PREFIX}%'`)
      .first<{ n: number }>();
    result.refused = refused?.n ?? 0;
  }
  return result;
}


