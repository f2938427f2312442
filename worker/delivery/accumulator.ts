// Fewer SALESmanago calls under load (issue 13): the ledger in D1 is the accumulator. A queue batch
// holds at most 100 messages, so one-order messages alone would make a call per <= 100 orders; instead,
// while fewer than FLUSH_AT items are waiting, the consumer parks a batch's events in their ledger
// rows (status 'queued', reason PARKED: the payload is already there) and acknowledges the messages.
// The batch that brings the waiting items to FLUSH_AT, or a 'flush' tick sent with each parking
// (delaySeconds = the window; it flushes only once the oldest parked row's window is over, so ticks
// of later parkings do not cut a filling batch short), takes every parked row and delivers them with its own items: calls of
// hundreds of items under load, and a lone event leaves within the window (DELIVERY_WINDOW_S,
// default 10 s; 0: off).
// Why D1 and not a Durable Object: the rows and payloads are in the ledger anyway (no second copy of
// an event to keep consistent), the consumer already runs one batch at a time (max_concurrency = 1),
// so no other coordination is needed, and a lost tick is covered by the hourly reconciliation (a
// parked row has its next attempt recorded). Carts are not parked: they have their own 60 s settle.
// Per delivery shard (queue/shards.ts): each shard's rows are parked under its number and its ticks go
// to its own queue, so a shard's flush takes only its own contacts, and its calls per 1,000 events are
// those of one accumulator fed 1/N of the traffic (docs/performance.md "Delivery shards").
import { storedItem } from '../ledger/payloads.ts';
import { markWaiting, queuedDueAt, queuedRowsOfKind, waitingCount } from '../ledger/deliveries/held.ts';
import { PARKED, PARKED_REASON } from './state.ts';
import type { Env } from '../env.ts';
import { sendMessages, type Outgoing } from '../queue/send.ts';
import { itemKey, shardOfKey } from '../queue/shards.ts';
import type { WorkItem } from './work.ts';
import { logError } from '../log.ts';

export { PARKED };

/** Which shard a consumer run is, and the count the contacts are sharded by. */
export interface ShardScope {
  shard: number;
  count: number;
}
const SINGLE: ShardScope = { shard: 0, count: 1 };

/** How many rows the shard has parked. */
export const parkedCount = (db: D1Database, scope: ShardScope = SINGLE): Promise<number> => waitingCount(db, PARKED_REASON.kind, scope.shard);
/** When the shard's oldest parked row's window is over (unix ms), or null when nothing is parked. */
export const parkedDueAt = (db: D1Database, scope: ShardScope = SINGLE): Promise<number | null> => queuedDueAt(db, PARKED_REASON.kind, scope.shard);

/** The tick that flushes a shard's parked rows, on its own queue. */
const tick = (shard: number, delaySeconds: number): Outgoing => ({ message: { kind: 'flush', ...(shard > 0 ? { shard } : {}) }, delaySeconds });
// The window's rule (default, bounds, message) is in config.ts with every other setting.
export { DEFAULT_WINDOW_S } from '../config.ts';
/** Items that make a flush: one full batch call. */
export const FLUSH_AT = 400;
/** Parked rows taken by one flush (a consumer run delivers them with its own items). */
const FLUSH_LIMIT = 4_000;

export function isFlush(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'flush';
}

/** Whether the item may wait for others: events other than carts, and shop contacts, not held ones. */
export function parkable(item: WorkItem): boolean {
  // First attempts only: a retry is not held back again.
  if (item.outcome || item.released || item.attempt !== 1) return false;
  if (item.contact) return true;
  return Boolean(item.event && item.event.type !== 'cart');
}

/** A tick for what is still parked, when the one that came was early (so nothing waits for the hourly run). */
export async function tickAgain(env: Pick<Env, 'EVENTS'>, dueAt: number, now: number, scope: ShardScope = SINGLE): Promise<void> {
  try {
    await sendMessages(env.EVENTS, [tick(scope.shard, Math.max(1, Math.ceil((dueAt - now) / 1000)))]);
  } catch (err) {
    logError('flush tick not queued', {}, err);
  }
}

/**
 * A flush because enough items wait (not because a window is over) sends whole calls only: the
 * largest multiple of FLUSH_AT of what waits (oldest parked rows first, then this batch's
 * candidates); the rest of the candidates stay parked with their own window. A flush of 408 would
 * otherwise cost two upserts and two event calls, where 400 cost one each (docs/performance.md "Performance", 4b).
 */
export function wholeFlush(waiting: number, candidates: readonly WorkItem[]): { takeParked: number; send: WorkItem[]; park: WorkItem[] } {
  const total = Math.min(waiting + candidates.length, FLUSH_LIMIT);
  const whole = Math.floor(total / FLUSH_AT) * FLUSH_AT;
  const takeParked = Math.min(waiting, whole);
  const fromBatch = Math.max(0, whole - takeParked);
  return { takeParked, send: candidates.slice(0, fromBatch), park: candidates.slice(fromBatch) };
}

/** Parks the items (their rows already exist) and sends the tick that flushes them within the window. */
export async function park(env: Pick<Env, 'LEDGER' | 'EVENTS'>, items: WorkItem[], windowS: number, now: number, scope: ShardScope = SINGLE): Promise<void> {
  if (items.length === 0) return;
  await markWaiting(
    env.LEDGER,
    items.map((i) => i.id),
    PARKED_REASON,
    now + windowS * 1000,
    now,
    scope.shard,
  );
  for (const item of items) item.outcome = { status: 'skipped' };
  try {
    await sendMessages(env.EVENTS, [tick(scope.shard, windowS)]);
  } catch (err) {
    // The rows have their next attempt recorded: the hourly reconciliation sends them.
    logError('flush tick not queued', {}, err);
  }
}

/**
 * The shard's parked rows as work items without a message of their own (their retries are requeued).
 * Rows whose contact belongs to another shard since a change of the count are handed to that shard
 * instead (parked under its number, with a tick on its queue): only a contact's shard delivers it.
 */
export async function takeParked(
  env: Pick<Env, 'LEDGER' | 'EVENTS'>,
  exclude: ReadonlySet<string>,
  limit = FLUSH_LIMIT,
  scope: ShardScope = SINGLE,
): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  const moved = new Map<number, string[]>();
  for (const row of await queuedRowsOfKind(env.LEDGER, PARKED_REASON.kind, Math.min(limit, FLUSH_LIMIT), scope.shard)) {
    if (exclude.has(row.id)) continue;
    const item = storedItem(row.payload, row.id);
    const owner = item ? shardOfKey(itemKey(item), scope.count) : scope.shard;
    if (owner !== scope.shard) {
      moved.set(owner, [...(moved.get(owner) ?? []), row.id]);
      continue;
    }
    // The run that parked it counted this attempt already (it sent nothing).
    const attempt = Math.max(1, row.attempts);
    if (item?.kind === 'event') out.push({ id: row.id, event: item.event, attempt, released: { payload: item } });
    else if (item?.kind === 'contact') out.push({ id: row.id, contact: item.contact, attempt, released: { payload: item } });
    else out.push({ id: row.id, attempt, outcome: { status: 'failed', reason: 'parked row: its stored payload is unreadable' } });
  }
  const now = Date.now();
  for (const [owner, ids] of moved) {
    await markWaiting(env.LEDGER, ids, PARKED_REASON, now, now, owner);
    try {
      await sendMessages(env.EVENTS, [tick(owner, 1)]);
    } catch (err) {
      logError('flush tick not queued', {}, err);
    }
  }
  return out;
}
