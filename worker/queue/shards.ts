// Delivery sharded by contact (ARCHITECTURE.md "Delivery shards"): N queues, each consumed one batch
// at a time (max_concurrency = 1), and every item sent to the queue of its key's shard, so that one
// key's items are only ever delivered by one consumer at a time while different keys go in parallel.
// The key is the visitor id for browser events (it never changes, not even at login, so a visitor's
// cart changes, held events and their release stay on one queue), else the e-mail (shop events,
// contacts, consent webhooks, erasures). Binding names: EVENTS is shard 0, EVENTS_1 … EVENTS_<n-1>
// the others; queue names end in -<i> (shard 0's has no suffix), checked by test/architecture/queues.test.ts.
import type { ItemMessage, QueueMessage } from './messages.ts';
import { itemsOf } from './messages.ts';

/** The count the messages were routed under (absent: 1, as before sharding) and whether a consumer forwarded it. */
interface RouteStamp {
  shards?: number;
  forwarded?: true;
}
export type RoutedMessage = QueueMessage & RouteStamp;

/** FNV-1a, 32 bits: stable across deploys and runtimes (a shard must not move when the code does). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardOfKey(key: string, count: number): number {
  return count <= 1 ? 0 : hash32(key) % count;
}

/** The key of an e-mail (lowercased, as delivery/contacts.ts normalises it), and of a visitor id. */
export const emailKey = (text: string) => `e:${text.trim().toLowerCase()}`;
export const visitorKey = (visitorId: string) => `v:${visitorId}`;
const email = emailKey;

/** The key that orders an item: the visitor, else the e-mail (lowercased, as delivery/contacts.ts normalises it). */
export function itemKey(item: ItemMessage): string {
  switch (item.kind) {
    case 'event': {
      const e = item.event;
      if (e.visitorId) return visitorKey(e.visitorId);
      if (e.email) return email(e.email);
      return e.contactId ? `c:${e.contactId}` : `i:${e.id}`;
    }
    case 'contact':
      return email(item.contact.email);
    case 'consent-webhook':
      return email(item.change.email);
  }
}

/** The keys of a message (empty: a message that belongs to no contact, see fixedShard). */
export function messageKeys(message: QueueMessage): string[] {
  if (message.kind === 'erase') return [email(message.email)];
  return itemsOf(message).map(itemKey);
}

/**
 * The shard a message without items goes to: a flush tick to the shard that parked (its `shard`),
 * catalog products and kept platform deliveries to shard 0 (they have their own ledgers and order).
 */
function fixedShard(message: QueueMessage): number {
  return message.kind === 'flush' ? (message.shard ?? 0) : 0;
}

/** The message split into one message per shard, items kept in order. */
export function splitByShard(message: QueueMessage, count: number): { shard: number; message: QueueMessage }[] {
  const clean = unstamped(message);
  if (count <= 1) return [{ shard: clean.kind === 'flush' ? fixedShard(clean) : 0, message: clean }];
  if (clean.kind === 'erase') return [{ shard: shardOfKey(messageKeys(clean)[0]!, count), message: clean }];
  if (clean.kind === 'events' || clean.kind === 'contacts') {
    const groups = new Map<number, ItemMessage[]>();
    for (const item of itemsOf(clean)) {
      const shard = shardOfKey(itemKey(item), count);
      groups.set(shard, [...(groups.get(shard) ?? []), item]);
    }
    return [...groups].map(([shard, items]) => ({
      shard,
      message:
        clean.kind === 'events'
          ? { kind: 'events', events: items.flatMap((i) => (i.kind === 'event' ? [i.event] : [])) }
          : { kind: 'contacts', contacts: items.flatMap((i) => (i.kind === 'contact' ? [i.contact] : [])) },
    }));
  }
  const keys = messageKeys(clean);
  return [{ shard: keys.length > 0 ? shardOfKey(keys[0]!, count) : fixedShard(clean), message: clean }];
}

/** The message without its routing stamp. */
function unstamped(message: RoutedMessage): QueueMessage {
  if (!('shards' in message) && !('forwarded' in message)) return message;
  const { shards: _s, forwarded: _f, ...rest } = message;
  return rest as QueueMessage;
}

/** The queue binding of shard `i`: EVENTS, EVENTS_1, …; undefined when wrangler.toml declares none. */
function shardQueue(env: Env, i: number): Queue<QueueMessage> | undefined {
  const bindings = env as unknown as Record<string, Queue<QueueMessage> | undefined>;
  return i === 0 ? env.EVENTS : bindings[`EVENTS_${i}`];
}

/** How many shards can be used: the setting (config.ts bounds it), bounded by the consecutive bindings declared. */
export function usableShards(env: Env, wanted: number): number {
  let n = 1;
  while (n < wanted && shardQueue(env, n)) n++;
  return n;
}

/** The bindings routing needs (worker/env.ts Env has them; not imported: env.ts imports this folder). */
interface Env {
  EVENTS: Queue<QueueMessage>;
}

const ROUTED = Symbol('routed');

/**
 * `env` with EVENTS replaced by a router over the shard queues: every producer (which goes through
 * queue/send.ts with env.EVENTS) then sends each item to its key's shard, stamped with the count it
 * was routed under. With one shard it is the plain binding: nothing changes on the wire.
 */
export function withShardRouting<E extends Env>(env: E, count: number, options: { forwarded?: boolean } = {}): E {
  const shards = usableShards(env, count);
  if (shards <= 1 && !options.forwarded) return env;
  const base = (env as unknown as { [ROUTED]?: Env })[ROUTED] ?? env;
  const router = shardRouter(base, shards, options.forwarded ?? false);
  return { ...env, EVENTS: router, [ROUTED]: base } as E;
}

/** The original bindings of a routed env (to route again under another stamp). */
export function unrouted<E extends Env>(env: E): E {
  return ((env as unknown as { [ROUTED]?: E })[ROUTED] ?? env) as E;
}

function shardRouter(env: Env, count: number, forwarded: boolean): Queue<QueueMessage> {
  const stamp = (message: QueueMessage): RoutedMessage => ({
    ...message,
    ...(count > 1 ? { shards: count } : {}),
    ...(forwarded ? { forwarded: true as const } : {}),
  });
  const sendBatch = async (messages: Iterable<MessageSendRequest<QueueMessage>>, options?: QueueSendBatchOptions) => {
    const perShard = new Map<number, MessageSendRequest<QueueMessage>[]>();
    for (const m of messages) {
      for (const part of splitByShard(m.body, count)) {
        const list = perShard.get(part.shard) ?? [];
        list.push({ ...m, body: stamp(part.message) });
        perShard.set(part.shard, list);
      }
    }
    // A split message becomes several; sendBatch takes at most 100 messages per call.
    await Promise.all(
      [...perShard].map(async ([shard, list]) => {
        const queue = shardQueue(env, shard) ?? env.EVENTS;
        for (let i = 0; i < list.length; i += 100) await queue.sendBatch(list.slice(i, i + 100), options);
      }),
    );
  };
  return {
    send: (body: QueueMessage, options?: QueueSendOptions) => sendBatch([{ body, ...(options ?? {}) }]),
    sendBatch,
  } as unknown as Queue<QueueMessage>;
}
