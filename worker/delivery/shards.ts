// The consumer's side of delivery shards (queue/shards.ts routes; ARCHITECTURE.md "Delivery shards").
// A batch's messages are sorted before any delivery work:
// - forward: an item of it belongs to another shard under the current count (a message routed under
//   the count before a change, or a whole retired queue after a decrease): sent on to its key's shard,
//   marked forwarded, and acknowledged here. Only the key's current shard ever delivers it.
// - defer: routed under the current count, but its key moved at a change that is still settling (older
//   messages of the key may still be on their way from the old shard): sent again to this shard after
//   DEFER_S, as a new message (it spends no attempt), until the change has settled.
// - deliver: everything else; a forwarded message goes at once (it is older than what waits).
import type { Env } from '../env.ts';
import { markOldSeen, recordShardCount, type ShardState } from '../ledger/shards.ts';
import type { QueueMessage } from '../queue/messages.ts';
import { sendMessages } from '../queue/send.ts';
import { messageKeys, shardOfKey, splitByShard, unrouted, withShardRouting, type RoutedMessage } from '../queue/shards.ts';
import { logError } from '../log.ts';

/**
 * A change of the count has settled when no message routed under the count before it was forwarded
 * for this long (and this long has passed since the change): a consumer takes a queue's waiting
 * messages within seconds (max_batch_timeout = 2 s), and forwarding costs no SALESmanago call.
 */
const SETTLE_MS = 30_000;
/** How long a moved key's fresh message waits before it is looked at again, while a change settles. */
const DEFER_S = 5;
export function settling(state: ShardState, now: number): boolean {
  return state.previous !== state.count && now - Math.max(state.changedAt, state.oldSeenAt) < SETTLE_MS;
}

/**
 * The recorded state for the current `count` (recorded here if this consumer is the first to see it),
 * from the row the consumer read with its batch's first reads (delivery/consumer.ts): one D1 read per
 * batch, not cached in the isolate, so that every consumer sees a change the moment another recorded it.
 */
async function shardState(db: D1Database, recorded: ShardState | null, count: number, now: number): Promise<ShardState> {
  return recorded && recorded.count === count ? recorded : recordShardCount(db, count, now);
}

export type Route = 'deliver' | 'forward' | 'defer';

/** What this shard does with a message (see the top of this file). */
export function routeOf(body: RoutedMessage, shard: number, count: number, state: ShardState, now: number): Route {
  if (splitByShard(body, count).some((part) => part.shard !== shard)) return 'forward';
  if (body.forwarded || (body.shards ?? 1) !== count) return 'deliver';
  if (!settling(state, now) || state.previous === count) return 'deliver';
  const moved = messageKeys(body).some((key) => shardOfKey(key, state.previous) !== shard);
  return moved ? 'defer' : 'deliver';
}

/**
 * Sorts a batch: forwards and defers what is not this shard's to deliver now (acknowledging each once
 * it is sent on; retrying it when the send fails), and answers the messages to deliver here.
 */
export async function routeBatch(
  messages: readonly Message<QueueMessage>[],
  env: Env,
  options: { shard: number; count: number; now: number; recorded: Promise<ShardState | null> },
): Promise<Message<QueueMessage>[]> {
  const { shard, count, now } = options;
  // D1 unreachable: route by the count alone (no wait for moved keys) rather than fail the batch;
  // the batch's own D1 work then fails or not as before (platforms/kept.ts handles D1 outages).
  const state = await options.recorded
    .then((recorded) => shardState(env.LEDGER, recorded, count, now))
    .catch((err: unknown) => {
      logError('shard state unreadable', {}, err);
      return { count, previous: count, changedAt: 0, oldSeenAt: 0 };
    });
  const mine: Message<QueueMessage>[] = [];
  const forward: Message<QueueMessage>[] = [];
  const defer: Message<QueueMessage>[] = [];
  for (const msg of messages) {
    const route = routeOf(msg.body as RoutedMessage, shard, count, state, now);
    (route === 'deliver' ? mine : route === 'forward' ? forward : defer).push(msg);
  }
  const base = unrouted(env);
  const old = forward.filter((m) => ((m.body as RoutedMessage).shards ?? 1) !== count);
  await Promise.all([pass(withShardRouting(base, count, { forwarded: true }), forward, 0), pass(withShardRouting(base, count), defer, DEFER_S)]);
  if (old.length > 0) await markOldSeen(env.LEDGER, now).catch((err: unknown) => logError('shard state not written', {}, err));
  return mine;
}

async function pass(env: Env, messages: Message<QueueMessage>[], delaySeconds: number): Promise<void> {
  if (messages.length === 0) return;
  try {
    await sendMessages(
      env.EVENTS,
      messages.map((m) => ({ message: m.body, ...(delaySeconds ? { delaySeconds } : {}) })),
    );
    for (const m of messages) m.ack();
  } catch (err) {
    // Not lost: the messages come back to this shard and are sorted again.
    logError('shard forward failed', { messages: messages.length }, err);
    for (const m of messages) m.retry({ delaySeconds: DEFER_S });
  }
}
