// The accumulator (accumulator.ts): small batches wait in the ledger for more, a full one or the
// window's tick sends them all together; nothing waits twice, nothing is sent twice.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../env.ts';
import { DEFAULT_WINDOW_S, FLUSH_AT, PARKED, wholeFlush } from './accumulator.ts';
import { readConfig } from '../config.ts';
import { deliver } from './deliver.ts';
import { UNANSWERED_TWICE_WAIT_S, UNCONFIRMED_RETRY_S } from './run.ts';
import { RESENT_PREFIX, UNCONFIRMED_CHUNK, UNCONFIRMED_PREFIX, type WorkItem } from './work.ts';
import { externalId } from './mapping.ts';
import { itemId, itemsOf, type QueueMessage } from '../queue/messages.ts';
import { asEvent, browserEvent, consume, email, env, ledgerMany, orderEvent, recordAccepted, sim, simState } from '../test/delivery-fixtures.ts';

const BATCH_PATH = '/api/v2/contact/addBatchContactExtEvent';
const UPSERT_PATH = '/api/contact/batchupsert';
const windowed: Env = { ...env, DELIVERY_WINDOW_S: '10' };

function watchCalls(): () => Record<string, number> {
  const spy = vi.spyOn(globalThis, 'fetch');
  const origin = new URL(env.SALESMANAGO_ENDPOINT ?? '').origin;
  return () => {
    const out: Record<string, number> = {};
    for (const [input] of spy.mock.calls) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.origin === origin && url.pathname.startsWith('/api/')) out[url.pathname] = (out[url.pathname] ?? 0) + 1;
    }
    return out;
  };
}

async function storedOnce(ids: string[]): Promise<string[]> {
  const counts = new Map<string, number>();
  for (const e of (await simState()).events) if (e.externalId) counts.set(e.externalId, (counts.get(e.externalId) ?? 0) + 1);
  return ids.filter((id) => counts.get(id) !== 1);
}

describe('the accumulator (DELIVERY_WINDOW_S)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('parks small batches, sends them all with the batch that fills a call, then a lone event on the tick', async () => {
    const calls = watchCalls();
    // 3 batches of 100 one-order messages (as the shop API queues them) wait: no SALESmanago call.
    const orders = Array.from({ length: 450 }, () => orderEvent('purchase'));
    const messages: QueueMessage[] = orders.map((o) => asEvent(o));
    await recordAccepted(messages);
    for (let i = 0; i < 300; i += 100) {
      const run = await consume(messages.slice(i, i + 100), { env: windowed });
      expect(run.acked.size).toBe(100);
    }
    expect(calls()[BATCH_PATH] ?? 0).toBe(0);
    const parked = await ledgerMany(orders.slice(0, 300).map((o) => o.id));
    expect([...parked.values()].every((r) => r.status === 'queued' && r.last_error === PARKED)).toBe(true);

    // The fourth brings them past FLUSH_AT: all 400 in one event call (and one contact upsert).
    expect(400).toBe(FLUSH_AT);
    await consume(messages.slice(300, 400), { env: windowed });
    expect(calls()[BATCH_PATH]).toBe(1);
    expect(calls()[UPSERT_PATH]).toBe(1);
    expect(await storedOnce(orders.slice(0, 400).map((o) => externalId(o)))).toEqual([]);

    // 50 more wait; the window's tick (a 'flush' message) sends them, in one call.
    await consume(messages.slice(400), { env: windowed });
    expect(calls()[BATCH_PATH]).toBe(1);
    // A tick before the window is over changes nothing (ticks of later parkings come early).
    const early = await consume([{ kind: 'flush' } as unknown as QueueMessage], { env: windowed });
    expect(early.acked.size).toBe(1);
    expect(calls()[BATCH_PATH]).toBe(1);
    // The window is over (10 s later, here by moving the rows' due time back).
    await env.LEDGER.prepare('UPDATE deliveries SET next_attempt_at = next_attempt_at - 10000 WHERE id IN (SELECT value FROM json_each(?1))')
      .bind(JSON.stringify(orders.slice(400).map((o) => o.id)))
      .run();
    const tick = await consume([{ kind: 'flush' } as unknown as QueueMessage], { env: windowed });
    expect(tick.acked.size).toBe(1);
    expect(calls()[BATCH_PATH]).toBe(2);
    const rows = await ledgerMany(orders.map((o) => o.id));
    expect([...rows.values()].filter((r) => r.status !== 'delivered')).toEqual([]);
    expect(await storedOnce(orders.map((o) => externalId(o)))).toEqual([]);
    console.log(`accumulator: ${Object.values(calls()).reduce((a, b) => a + b, 0)} SALESmanago calls for 450 one-order messages`, JSON.stringify(calls()));
  });

  it.each([
    ['', false],
    [', also when an early tick comes in the same batch', true],
  ])('a filling batch that overshoots sends whole calls only: the rest keeps waiting for its window%s', async (_, withTick) => {
    const calls = watchCalls();
    const orders = Array.from({ length: 460 }, () => orderEvent('purchase'));
    const messages: QueueMessage[] = orders.map((o) => asEvent(o));
    await recordAccepted(messages);
    for (let i = 0; i < 360; i += 90) await consume(messages.slice(i, i + 90), { env: windowed });
    expect(calls()[BATCH_PATH] ?? 0).toBe(0);
    // 360 wait; 100 more make 460: one call of 400 (the 360 oldest and 40 of this batch), 60 wait.
    const tick = withTick ? [{ kind: 'flush' } as unknown as QueueMessage] : [];
    const run = await consume([...messages.slice(360), ...tick], { env: windowed });
    expect(run.acked.size).toBe(100 + tick.length);
    expect(calls()[BATCH_PATH]).toBe(1);
    expect(calls()[UPSERT_PATH]).toBe(1);
    const rows = await ledgerMany(orders.map((o) => o.id));
    expect(orders.slice(0, 400).every((o) => rows.get(o.id)?.status === 'delivered')).toBe(true);
    expect(orders.slice(400).every((o) => rows.get(o.id)?.status === 'queued' && rows.get(o.id)?.last_error === PARKED)).toBe(true);
    // Their window over, the tick sends the 60 in one call: 2 event calls for 460 orders, not 3.
    await env.LEDGER.prepare('UPDATE deliveries SET next_attempt_at = next_attempt_at - 10000 WHERE id IN (SELECT value FROM json_each(?1))')
      .bind(JSON.stringify(orders.slice(400).map((o) => o.id)))
      .run();
    await consume([{ kind: 'flush' } as unknown as QueueMessage], { env: windowed });
    expect(calls()[BATCH_PATH]).toBe(2);
    expect(await storedOnce(orders.map((o) => externalId(o)))).toEqual([]);
  });

  it('wholeFlush takes the oldest parked rows first and parks the rest of the batch', () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, attempt: 1 }));
    expect(wholeFlush(360, items(100))).toMatchObject({ takeParked: 360, send: items(40), park: items(100).slice(40) });
    expect(wholeFlush(0, items(400))).toMatchObject({ takeParked: 0, send: items(400), park: [] });
    expect(wholeFlush(450, items(0))).toMatchObject({ takeParked: 400, send: [], park: [] });
    expect(wholeFlush(390, items(850)).takeParked + wholeFlush(390, items(850)).send.length).toBe(1_200);
  });

  it('is on unless DELIVERY_WINDOW_S says otherwise: 10 s by default, 0 turns it off', () => {
    expect(DEFAULT_WINDOW_S).toBe(10);
    const window = (value?: string) => readConfig({ DELIVERY_WINDOW_S: value } as Env);
    expect(window().deliveryWindowS).toBe(10);
    expect(window(' ').deliveryWindowS).toBe(10);
    expect(window('0').deliveryWindowS).toBe(0);
    expect(window('25').deliveryWindowS).toBe(25);
  });

  it('names a window it cannot use, instead of clamping it silently', () => {
    const window = (value: string) => readConfig({ DELIVERY_WINDOW_S: value } as Env);
    expect(window('900')).toMatchObject({ deliveryWindowS: 300 });
    expect(window('900').problems).toContainEqual({ name: 'DELIVERY_WINDOW_S', problem: 'must be from 0 to 300 seconds; using 300' });
    expect(window('-5').deliveryWindowS).toBe(0);
    expect(window('soon')).toMatchObject({ deliveryWindowS: 10 });
    expect(window('soon').problems).toContainEqual({ name: 'DELIVERY_WINDOW_S', problem: 'must be a whole number of seconds (0 to 300); using 10' });
    expect(window('25').problems.some((p) => p.name === 'DELIVERY_WINDOW_S')).toBe(false);
  });

  it('does not park a retry: it is sent at once', async () => {
    const visit = browserEvent('visit', { email: email('retry') });
    await recordAccepted([asEvent(visit)]);
    const run = await consume([asEvent(visit)], { env: windowed, attempts: 2 });
    expect(run.acked.size).toBe(1);
    expect((await ledgerMany([visit.id])).get(visit.id)?.status).toBe('delivered');
  });

  it('a flush whose event add gets no answer sends its orders again within seconds, once, waiting longer for the answer; that re-send unanswered too, they wait an hour', async () => {
    // Scaled: the client gives up after 1 s, an event add after 3 s; the simulator answers after 3.5 s.
    const sent: { body: QueueMessage; delaySeconds?: number }[] = [];
    const queue = { sendBatch: async (msgs: { body: QueueMessage; delaySeconds?: number }[]) => void sent.push(...msgs) } as unknown as Queue<QueueMessage>;
    const slow: Env = { ...windowed, SALESMANAGO_TIMEOUT_MS: '1000', EVENTS: queue };
    const orders = Array.from({ length: 30 }, () => orderEvent('purchase'));
    const ids = orders.map((o) => o.id);
    await recordAccepted(orders.map((o) => asEvent(o)));
    expect(
      (
        await consume(
          orders.map((o) => asEvent(o)),
          { env: slow },
        )
      ).acked.size,
    ).toBe(30);
    expect(sent.map((m) => m.body)).toEqual([{ kind: 'flush' }]);
    sent.length = 0;
    await env.LEDGER.prepare('UPDATE deliveries SET next_attempt_at = next_attempt_at - 10000 WHERE id IN (SELECT value FROM json_each(?1))')
      .bind(JSON.stringify(ids))
      .run();

    const noAnswer = async <T>(work: () => Promise<T>, latencyMs = 3_500): Promise<T> => {
      await sim('/__sim/faults', { [BATCH_PATH]: { latencyMs } });
      try {
        return await work();
      } finally {
        await sim('/__sim/faults', {});
      }
    };
    const before = Date.now();
    await noAnswer(() => consume([{ kind: 'flush' } as unknown as QueueMessage], { env: slow }));
    // The parked orders have no message of their own: they are queued again, all of them, soon.
    expect(sent.flatMap((m) => itemsOf(m.body).map(itemId)).sort()).toEqual([...ids].sort());
    expect(Math.max(...sent.map((m) => m.delaySeconds ?? 0))).toBeLessThanOrEqual(UNCONFIRMED_RETRY_S);
    const rows = await ledgerMany(ids);
    expect(
      [...rows.values()].every((r) => r.status === 'queued' && r.last_error?.startsWith(UNCONFIRMED_PREFIX) && !r.last_error.startsWith(RESENT_PREFIX)),
    ).toBe(true);
    const due = await env.LEDGER.prepare('SELECT MAX(next_attempt_at) AS due FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))')
      .bind(JSON.stringify(ids))
      .first<{ due: number }>();
    expect(due!.due).toBeLessThanOrEqual(Date.now() + UNCONFIRMED_RETRY_S * 1000);
    expect(due!.due).toBeGreaterThanOrEqual(before);

    // Sent again (chunks of 20): this re-send waits 6 x the timeout for its answer, so an answer after
    // 3.5 s would settle it; none within 6 s: now SALESmanago may hold them twice, and they wait an hour.
    const again = await noAnswer(
      () =>
        consume(
          sent.map((m) => m.body),
          { env: slow },
        ),
      6_500,
    );
    expect(again.retried.size).toBe(sent.length);
    expect(Math.min(...[...again.retried.values()].map((d) => d ?? 0))).toBeGreaterThanOrEqual(UNANSWERED_TWICE_WAIT_S);
    const rows2 = await ledgerMany(ids);
    expect([...rows2.values()].every((r) => r.status === 'queued' && r.attempts === 2 && r.last_error?.startsWith(RESENT_PREFIX))).toBe(true);
  }, 40_000);

  it('re-sends the chunks of an unconfirmed flush side by side: a chunk without an answer does not hold back the others', async () => {
    const orders = Array.from({ length: 3 * UNCONFIRMED_CHUNK }, () => orderEvent('purchase'));
    await recordAccepted(orders.map((o) => asEvent(o)));
    // Their contacts were upserted before; their first add went unanswered.
    const items: WorkItem[] = orders.map((o) => ({ id: o.id, event: o, attempt: 2, unconfirmed: true, contactDone: true }));
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const all = await deliver(items, {
      db: env.LEDGER,
      config: readConfig(env),
      client: {
        batchUpsertContacts: async () => {
          throw new Error('no upsert expected');
        },
        addEvent: async () => {
          throw new Error('no single add expected');
        },
        updateEvent: async () => {
          throw new Error('no update expected');
        },
        batchAddEvents: async (xs) => {
          sizes.push(xs.length);
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 50));
          inFlight -= 1;
          return [{ start: 0, end: xs.length, truncations: [], ok: true, value: { created: xs.length, failed: [], failedAmount: 0, unnamedFailures: 0 } }];
        },
      },
      requeue: async () => {},
    });
    expect(sizes).toEqual([UNCONFIRMED_CHUNK, UNCONFIRMED_CHUNK, UNCONFIRMED_CHUNK]);
    expect(most).toBe(3);
    expect(all.filter((i) => i.outcome?.status !== 'delivered')).toEqual([]);
  });
});
