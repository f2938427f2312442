// Replay: failed and dead rows go back on the queue with their stored payload, packed several to a
// message like fresh events. The messages are sent first and the rows set back to 'queued' after, so
// a failure in between can only leave a row that is both queued and still marked failed (delivered
// once anyway: the consumer dedupes by id, and tries a failed row again on a message's first attempt).
import type { Env } from '../env.ts';
import { chunk, messageBytes, packMessages } from '../ingest/enqueue.ts';
import { itemId, readItems, type ItemMessage } from './messages.ts';

export const REPLAYABLE = ['failed', 'dead'] as const;
export type Replayable = (typeof REPLAYABLE)[number];

export interface ReplayResult {
  requeued: number;
  byStatus: Record<Replayable, number>;
  /** Rows whose stored payload cannot be read (left as they are). */
  unreadable: number;
  /** Replayable rows left for another call (at most `limit` rows are replayed per call). */
  remaining: number;
}

const SEND_BATCH_MESSAGES = 100;
const SEND_BATCH_BYTES = 240_000;

export async function replay(
  env: Pick<Env, 'LEDGER' | 'EVENTS'>,
  options: { statuses?: readonly Replayable[]; limit?: number } = {},
): Promise<ReplayResult> {
  const statuses = options.statuses?.length ? options.statuses : REPLAYABLE;
  const limit = Math.max(1, Math.min(options.limit ?? 5_000, 10_000));
  const { results } = await env.LEDGER
    .prepare(
      `SELECT id, status, payload FROM deliveries WHERE status IN (SELECT value FROM json_each(?1))
       ORDER BY updated_at, id LIMIT ?2`,
    )
    .bind(JSON.stringify(statuses), limit)
    .all<{ id: string; status: Replayable; payload: string | null }>();

  const result: ReplayResult = { requeued: 0, byStatus: { failed: 0, dead: 0 }, unreadable: 0, remaining: 0 };
  const statusOf = new Map<string, Replayable>();
  const ready: ItemMessage[] = [];
  for (const row of results) {
    const item = parse(row.payload, row.id);
    if (item) {
      ready.push(item);
      statusOf.set(row.id, row.status);
    } else result.unreadable += 1;
  }
  for (const part of chunk(packMessages(ready), (p) => messageBytes(p.message) + 128, SEND_BATCH_MESSAGES, SEND_BATCH_BYTES)) {
    await env.EVENTS.sendBatch(part.map((p) => ({ body: p.message, contentType: 'json' as const })));
    const ids = part.flatMap((p) => p.ids);
    await env.LEDGER
      .prepare(
        `UPDATE deliveries SET status = 'queued', updated_at = ?2
         WHERE id IN (SELECT value FROM json_each(?1)) AND status IN ('failed', 'dead')`,
      )
      .bind(JSON.stringify(ids), Date.now())
      .run();
    for (const id of ids) result.byStatus[statusOf.get(id) ?? 'failed'] += 1;
    result.requeued += ids.length;
  }
  const left = await env.LEDGER
    .prepare('SELECT COUNT(*) AS n FROM deliveries WHERE status IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(statuses))
    .first<{ n: number }>();
  result.remaining = Math.max(0, (left?.n ?? 0) - result.unreadable);
  return result;
}

/** The row's own item from its stored payload (one item's message; older rows likewise). */
function parse(payload: string | null, id: string): ItemMessage | null {
  if (!payload) return null;
  try {
    return readItems(JSON.parse(payload)).find((item) => itemId(item) === id) ?? null;
  } catch {
    return null;
  }
}
