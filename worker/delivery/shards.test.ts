// Delivery shards in workerd: routing by contact, and changes of the count (1 → 4, 4 → 2) with events
// still on the queues, checked at the simulator (each contact's events arrive once, in their time
// order), and identity stitching across shards. The queues are in-memory stand-ins that keep what is
// sent to each shard, so a test can take batches in the least favourable order; the consumer is the real one.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import type { AcceptedEvent, QueueMessage } from '../queue/messages.ts';
import { itemsOf } from '../queue/messages.ts';
import { hash32, shardOfKey, splitByShard, withShardRouting, type RoutedMessage } from '../queue/shards.ts';
import { shardOfQueue } from '../queue/names.ts';
import { sendMessages } from '../queue/send.ts';
import { settling, routeOf } from './shards.ts';
import { browserEvent, consume, email, env, ledgerMany, simState, uid } from '../test/delivery-fixtures.ts';

interface Waiting {
  body: RoutedMessage;
  readyAt: number;
  attempts: number;
}

/** Eight in-memory queues standing in for EVENTS, EVENTS_1 … EVENTS_7, on a clock the test moves. */
class Queues {
  readonly lists = Array.from({ length: 8 }, () => [] as Waiting[]);
  clock = 0;

  binding(i: number): Queue<QueueMessage> {
    const push = (body: QueueMessage, delaySeconds = 0) =>
      this.lists[i]!.push({ body: structuredClone(body) as RoutedMessage, readyAt: this.clock + delaySeconds, attempts: 1 });
    return {
      send: async (body: QueueMessage, o?: QueueSendOptions) => push(body, o?.delaySeconds),
      sendBatch: async (list: Iterable<MessageSendRequest<QueueMessage>>) => {
        for (const m of list) push(m.body, m.delaySeconds);
      },
    } as unknown as Queue<QueueMessage>;
  }

  /** The worker's bindings with these queues and DELIVERY_SHARDS = count. */
  env(count: number): Env {
    const queues = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`EVENTS_${i + 1}`, this.binding(i + 1)]));
    return { ...env, ...queues, EVENTS: this.binding(0), DELIVERY_SHARDS: String(count), DELIVERY_WINDOW_S: '0' };
  }

  ready(i: number): Waiting[] {
    return this.lists[i]!.filter((w) => w.readyAt <= this.clock);
  }

  /** Runs the consumer of shard i once over what is ready there (up to 100 messages); retried ones stay. */
  async take(i: number, count: number): Promise<number> {
    const batch = this.ready(i).slice(0, 100);
    if (batch.length === 0) return 0;
    this.lists[i] = this.lists[i]!.filter((w) => !batch.includes(w));
    const run = await consume(
      batch.map((w) => w.body),
      { env: this.env(count), queue: i === 0 ? 'sm-edge-events' : `sm-edge-events-${i}`, attempts: batch.map((w) => w.attempts) },
    );
    run.ids.forEach((id, n) => {
      if (run.retried.has(id)) this.lists[i]!.push({ ...batch[n]!, readyAt: this.clock + (run.retried.get(id) ?? 0), attempts: batch[n]!.attempts + 1 });
    });
    return batch.length;
  }

  /**
   * Takes batches, shards in the given order, until every queue is empty. When nothing is ready, the
   * clock moves a minute (delayed messages become ready, and a count change settles).
   */
  async drain(count: number, order: number[]): Promise<void> {
    for (let round = 0; round < 50; round++) {
      let took = 0;
      for (const i of order) took += await this.take(i, count);
      if (this.lists.every((l) => l.length === 0)) return;
      if (took === 0) await this.advance(60);
    }
    throw new Error('the queues did not drain');
  }

  async advance(seconds: number): Promise<void> {
    this.clock += seconds;
    // The consumers read the wall clock: a minute passes for the recorded change too.
    await env.LEDGER.prepare('UPDATE delivery_shards SET changed_at = changed_at - ?1, old_seen_at = old_seen_at - ?1')
      .bind(seconds * 1000)
      .run();
  }
}

beforeEach(async () => {
  await env.LEDGER.prepare('DELETE FROM delivery_shards').run();
});

/** Producers' sends under `count`, as the routes make them (worker/index.ts routes env.EVENTS). */
async function produce(queues: Queues, count: number, messages: QueueMessage[]): Promise<void> {
  const routed = withShardRouting(queues.env(count), count);
  await sendMessages(
    routed.EVENTS,
    messages.map((message) => ({ message })),
  );
}

/** `n` visitors (each with its own e-mail), none of which `avoid` rules out. */
function visitors(n: number, avoid: (v: string) => boolean): { visitor: string; email: string }[] {
  const out: { visitor: string; email: string }[] = [];
  while (out.length < n) {
    const visitor = uid('v');
    if (!avoid(visitor)) out.push({ visitor, email: email('shard') });
  }
  return out;
}

const key = (visitor: string) => `v:${visitor}`;

/** One visit of the visitor, at `at`, carrying its e-mail (so it is delivered at once). */
function visit(v: { visitor: string; email: string }, at: number): AcceptedEvent {
  return browserEvent('visit', { visitorId: v.visitor, email: v.email, occurredAt: at, receivedAt: at, url: `http://localhost/p/${at}` });
}

/** Per contact, the times of its events in the order the simulator stored them. */
async function arrivals(emails: string[]): Promise<Map<string, number[]>> {
  const { events } = (await simState()) as unknown as { events: { email: string; date: number }[] };
  const out = new Map<string, number[]>(emails.map((e) => [e, []]));
  for (const e of events) out.get(e.email)?.push(e.date);
  return out;
}

describe('routing', () => {
  it('sends each item to its key’s shard (visitor id, else e-mail) and splits a mixed message', () => {
    expect(hash32('v:abc')).toBe(hash32('v:abc'));
    const a = browserEvent('visit', { visitorId: 'va', email: 'x@example.com' });
    const b = browserEvent('visit', { visitorId: 'vb' });
    const parts = splitByShard({ kind: 'events', events: [a, b] }, 4);
    expect(parts.flatMap((p) => itemsOf(p.message)).length).toBe(2);
    for (const p of parts)
      for (const item of itemsOf(p.message)) {
        const v = item.kind === 'event' ? item.event.visitorId! : '';
        expect(p.shard).toBe(shardOfKey(`v:${v}`, 4));
      }
    // A shop contact by its e-mail, case-insensitively; one shard: everything on 0.
    const c = { kind: 'contact' as const, contact: { id: 'c1', receivedAt: 1, email: ' Ala@Example.com' } };
    expect(splitByShard(c, 4)[0]!.shard).toBe(shardOfKey('e:ala@example.com', 4));
    expect(splitByShard({ kind: 'events', events: [a, b] }, 1)).toHaveLength(1);
    expect(shardOfQueue('sm-edge-events')).toBe(0);
    expect(shardOfQueue('sm-edge-events-3')).toBe(3);
  });

  it('with one shard the wire is unchanged; with more, messages are stamped with the count', async () => {
    const queues = new Queues();
    const v = visitors(1, () => false)[0]!;
    await produce(queues, 1, [{ kind: 'events', events: [visit(v, 1)] }]);
    expect(queues.lists[0]![0]!.body).not.toHaveProperty('shards');
    await produce(queues, 4, [{ kind: 'events', events: [visit(v, 2)] }]);
    const shard = shardOfKey(key(v.visitor), 4);
    expect(queues.lists[shard]!.at(-1)!.body.shards).toBe(4);
  });

  it('a consumer passes on what another shard owns and delivers only its own keys', async () => {
    const queues = new Queues();
    const vs = visitors(6, () => false);
    const base = Date.now() - 60_000;
    // Everything lands on shard 0's queue (as under a count of 1), then the count is 4 from the start.
    await produce(
      queues,
      1,
      vs.map((v, i) => ({ kind: 'events', events: [visit(v, base + i)] }) as QueueMessage),
    );
    await env.LEDGER.prepare('INSERT INTO delivery_shards (id, count, previous, changed_at, old_seen_at) VALUES (1, 4, 4, 0, 0)').run();
    await queues.take(0, 4);
    const foreign = vs.filter((v) => shardOfKey(key(v.visitor), 4) !== 0);
    expect(foreign.length).toBeGreaterThan(0);
    for (const v of foreign) {
      const on = queues.lists[shardOfKey(key(v.visitor), 4)]!;
      expect(on.some((w) => w.body.forwarded && JSON.stringify(w.body).includes(v.visitor))).toBe(true);
    }
    const delivered = await arrivals(vs.map((v) => v.email));
    for (const v of vs) expect(delivered.get(v.email)!.length, v.visitor).toBe(shardOfKey(key(v.visitor), 4) === 0 ? 1 : 0);
  });

  it('a message of a key that moved waits while the change settles; one forwarded goes at once', () => {
    const state = { count: 4, previous: 1, changedAt: 1_000, oldSeenAt: 1_000 };
    const moved = visitors(1, (v) => shardOfKey(key(v), 4) === 0)[0]!;
    const shard = shardOfKey(key(moved.visitor), 4);
    const fresh: RoutedMessage = { kind: 'events', events: [visit(moved, 1)], shards: 4 };
    expect(settling(state, 2_000)).toBe(true);
    expect(routeOf(fresh, shard, 4, state, 2_000)).toBe('defer');
    expect(routeOf({ ...fresh, forwarded: true }, shard, 4, state, 2_000)).toBe('deliver');
    expect(routeOf(fresh, shard, 4, state, 1_000 + 31_000)).toBe('deliver');
    expect(routeOf(fresh, (shard + 1) % 4, 4, state, 2_000)).toBe('forward');
  });
});

describe('changing the count with events in flight', () => {
  /**
   * Old events of each contact wait on the queues routed under `from`; the count becomes `to` and
   * newer events are routed under it. The new shards are taken first (the least favourable order):
   * each contact must still get every event once, oldest first.
   */
  async function change(from: number, to: number) {
    const queues = new Queues();
    // The consumers ran under `from` before the change (they recorded it).
    await env.LEDGER.prepare('INSERT INTO delivery_shards (id, count, previous, changed_at, old_seen_at) VALUES (1, ?1, ?1, 0, 0)').bind(from).run();
    const vs = visitors(12, () => false);
    const base = Date.now() - 3_600_000;
    // Two old events and two new ones per contact, each its own message (one beacon each).
    await produce(
      queues,
      from,
      vs.flatMap((v, i) => [visit(v, base + i * 10), visit(v, base + i * 10 + 1)]).map((e) => ({ kind: 'events', events: [e] }) as QueueMessage),
    );
    await produce(
      queues,
      to,
      vs.flatMap((v, i) => [visit(v, base + i * 10 + 2), visit(v, base + i * 10 + 3)]).map((e) => ({ kind: 'events', events: [e] }) as QueueMessage),
    );
    const moved = vs.filter((v) => shardOfKey(key(v.visitor), from) !== shardOfKey(key(v.visitor), to));
    expect(moved.length).toBeGreaterThan(0);
    // Newest shards first, the old queues last.
    const order = Array.from({ length: Math.max(from, to) }, (_, i) => i).reverse();
    await queues.drain(to, order);
    const got = await arrivals(vs.map((v) => v.email));
    for (const [i, v] of vs.entries()) {
      const times = got.get(v.email)!;
      expect(times, `${v.visitor} moved: ${moved.includes(v)}`).toEqual([0, 1, 2, 3].map((k) => base + i * 10 + k));
    }
    return queues;
  }

  it('1 → 4: nothing lost, duplicated or reordered', async () => {
    await change(1, 4);
  });

  it('4 → 2: nothing lost, duplicated or reordered; the retired queues only pass on', async () => {
    await change(4, 2);
  });

  it('without the wait for a moved key, its newer events would go first (the test can fail)', async () => {
    const queues = new Queues();
    const v = visitors(1, (x) => shardOfKey(key(x), 4) === 0)[0]!;
    const base = Date.now() - 3_600_000;
    await produce(queues, 1, [{ kind: 'events', events: [visit(v, base)] }]);
    await produce(queues, 4, [{ kind: 'events', events: [visit(v, base + 1)] }]);
    const shard = shardOfKey(key(v.visitor), 4);
    // The change is recorded as long settled: the new shard delivers at once, before the old queue is read.
    await env.LEDGER.prepare('INSERT INTO delivery_shards (id, count, previous, changed_at, old_seen_at) VALUES (1, 4, 1, 0, 0)').run();
    await queues.take(shard, 4);
    await queues.drain(4, [0, shard]);
    expect((await arrivals([v.email])).get(v.email)).toEqual([base + 1, base]);
  });
});

describe('identity stitching across shards', () => {
  it('anonymous events held on one shard are released by the login that lands on another after a change', async () => {
    const queues = new Queues();
    const v = visitors(1, (x) => shardOfKey(key(x), 4) === 0)[0]!;
    const base = Date.now() - 3_600_000;
    const anonymous = [0, 1, 2].map((k) => browserEvent('visit', { visitorId: v.visitor, occurredAt: base + k, receivedAt: base + k }));
    await produce(queues, 1, [{ kind: 'events', events: anonymous }]);
    await queues.drain(1, [0]);
    expect([...(await ledgerMany(anonymous.map((e) => e.id))).values()].map((r) => r.status)).toEqual(['held', 'held', 'held']);
    // The count becomes 4; the visitor's shard is no longer 0. It logs in there.
    const login = browserEvent('login', { visitorId: v.visitor, email: v.email, emailVerified: true, occurredAt: base + 10, receivedAt: base + 10 });
    await produce(queues, 4, [{ kind: 'events', events: [login] }]);
    expect(queues.lists[shardOfKey(key(v.visitor), 4)]).toHaveLength(1);
    await queues.drain(4, [3, 2, 1, 0]);
    const rows = await ledgerMany([...anonymous, login].map((e) => e.id));
    expect([...rows.values()].map((r) => [r.status, r.contact])).toEqual(Array(4).fill(['delivered', v.email]));
    const times = (await arrivals([v.email])).get(v.email)!;
    expect([...times].sort()).toEqual([base, base + 1, base + 2, base + 10]);
  });

  it('anonymous events still in flight on the old shard when the login arrives on the new one: each delivered once', async () => {
    const queues = new Queues();
    const v = visitors(1, (x) => shardOfKey(key(x), 4) === 0)[0]!;
    const base = Date.now() - 3_600_000;
    const anonymous = [0, 1].map((k) => browserEvent('visit', { visitorId: v.visitor, occurredAt: base + k, receivedAt: base + k }));
    await produce(
      queues,
      1,
      anonymous.map((e) => ({ kind: 'events', events: [e] }) as QueueMessage),
    );
    const login = browserEvent('login', { visitorId: v.visitor, email: v.email, emailVerified: true, occurredAt: base + 10, receivedAt: base + 10 });
    await produce(queues, 4, [{ kind: 'events', events: [login] }]);
    await queues.drain(4, [3, 2, 1, 0]);
    const rows = await ledgerMany([...anonymous, login].map((e) => e.id));
    expect([...rows.values()].map((r) => [r.status, r.contact])).toEqual(Array(3).fill(['delivered', v.email]));
    expect((await arrivals([v.email])).get(v.email)!.length).toBe(3);
  });
});
