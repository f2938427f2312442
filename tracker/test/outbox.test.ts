import { describe, expect, it, vi } from 'vitest';
import { fire, load, storageOf, useHarness } from './harness';

useHarness();

const down = () => Promise.reject(new TypeError('Failed to fetch'));
const status = (s: number) => () => new Response(JSON.stringify({ error: 'x' }), { status: s });
/** The stored outbox, [not before, ...e] ("[]" once emptied), as [events, not before]. */
const box = (p: { win: any }): [any[], number] => {
  const [at = 0, ...e] = JSON.parse(p.win.localStorage.getItem('sm_o') ?? '[]');
  return [e, at];
};

describe('outbox', () => {
  it.each([
    ['a network error', down],
    ['500', status(500)],
    ['503', status(503)],
    ['429', status(429)],
  ])('keeps events whose send failed with %s, and sends them with the next page', async (_, answer) => {
    const a = await load({ answer });
    a.smEdge('login', { token: 't' });
    await a.settle();
    const kept = box(a)[0];
    expect(kept.map((e) => e.k)).toEqual(['visit', 'login']);
    const b = await load({ url: 'https://shop.example/next', storage: storageOf(a.win) });
    await b.settle();
    expect(b.posts).toHaveLength(1);
    expect(b.posts[0]!.e.map((e) => e.i)).toEqual([...kept.map((e) => e.i), b.posts[0]!.e[2]!.i]);
    expect(b.posts[0]!.e.map((e) => e.k)).toEqual(['visit', 'login', 'visit']);
    expect(box(b)[0]).toEqual([]);
  });

  it.each([400, 403, 413])('drops events the collector refused with %s', async (s) => {
    const p = await load({ answer: status(s) });
    await p.settle();
    expect(p.posts).toHaveLength(1);
    expect(box(p)[0]).toEqual([]);
  });

  it('backs off: a retry waits as long as the oldest kept event has waited', async () => {
    const a = await load({ answer: down });
    await a.settle(); // failed at +1 s, the visit is 1 s old: not before +2 s
    vi.advanceTimersByTime(60_000);
    // Second page, 61 s later, still down: the visit has waited 61 s, so not before +61 s.
    const b = await load({ answer: down, storage: storageOf(a.win) });
    await b.settle();
    expect(b.posts[0]!.e).toHaveLength(2);
    const notBefore = box(b)[1];
    expect(notBefore - Date.now()).toBeGreaterThan(55_000);
    // A page before that does not retry the kept events, only sends its own.
    const c = await load({ storage: storageOf(b.win) });
    await c.settle();
    expect(c.posts[0]!.e.map((e) => e.k)).toEqual(['visit']);
    expect(box(c)[0]).toHaveLength(2);
    // Once due, the next page does.
    vi.setSystemTime(notBefore);
    const d = await load({ storage: storageOf(c.win) });
    await d.settle();
    expect(d.posts[0]!.e).toHaveLength(3);
  });

  it("retries at once when the browser comes back 'online'", async () => {
    let up = false;
    const p = await load({ answer: () => (up ? new Response('{}', { status: 202 }) : down()) });
    await p.settle();
    expect(box(p)[0]).toHaveLength(1);
    up = true;
    fire(p.win, p.win, 'online');
    await p.settle();
    expect(p.posts).toHaveLength(2);
    expect(p.posts[1]!.e[0]!.i).toBe(p.posts[0]!.e[0]!.i);
    expect(box(p)[0]).toEqual([]);
  });

  it('keeps at most 100 events, none older than 7 days', async () => {
    const old = { i: 'old-event-1', k: 'visit', t: Date.now() - 8 * 864e5 };
    const recent = Array.from({ length: 120 }, (_, i) => ({ i: `recent-${i}`, k: 'visit', t: Date.now() - 1000 }));
    const p = await load({ answer: down, storage: { sm_o: JSON.stringify([0, old, ...recent]) } });
    await p.settle();
    const ids = box(p)[0].map((e) => e.i);
    expect(ids).toHaveLength(100);
    expect(ids).not.toContain('old-event-1');
    expect(ids.at(-1)).toBe(p.posts.at(-1)!.e.at(-1)!.i); // the newest kept
  });

  it('keeps events a beacon could not take, and survives a malformed outbox', async () => {
    const a = await load({ beacon: false, storage: { sm_o: '{"not":"a box"}' } });
    fire(a.win, a.win, 'pagehide');
    expect(box(a)[0].map((e) => e.k)).toEqual(['visit']);
    const b = await load({ beacon: null, storage: { sm_o: 'garbage' } });
    fire(b.win, b.win, 'pagehide');
    expect(box(b)[0].map((e) => e.k)).toEqual(['visit']);
  });
});
