import { describe, expect, it } from 'vitest';
import { COLLECTOR, fire, hide, load, useHarness } from './harness';

useHarness();

describe('transport', () => {
  it('batches what happens together into one POST to <script origin>/e, text/plain, keepalive', async () => {
    const p = await load();
    p.smEdge('login', { token: 't' });
    p.smEdge('cart', { products: [{ id: 'A', quantity: 1 }] });
    await p.settle();
    expect(p.posts).toHaveLength(1);
    expect(p.posts[0]!.e.map((e) => e.k)).toEqual(['visit', 'login', 'cart']);
    const init = p.inits[0]!;
    expect(init).toMatchObject({ method: 'POST', keepalive: true });
    expect(init.headers).toBeUndefined();
    // A string body without headers is sent as text/plain: a "simple" request, no CORS preflight.
    expect(new Request(COLLECTOR, init).headers.get('content-type')).toBe('text/plain;charset=UTF-8');
  });

  it('splits many events into several requests of at most 20 (contract A allows 50)', async () => {
    const p = await load();
    for (let i = 0; i < 44; i++) p.smEdge('cart', { products: [{ id: 'A', quantity: i + 1 }] });
    await p.settle();
    expect(p.posts.map((b) => b.e.length)).toEqual([20, 20, 5]);
  });

  it('keeps keepalive bodies in flight under 64 KiB: one at a time, none of 20,000 characters or more', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const p = await load({ answer: async () => (await hold, new Response('{}', { status: 202 })) });
    // Multi-byte text: 500 characters are 1,500 bytes of UTF-8.
    const big = '€'.repeat(500);
    for (let i = 0; i < 40; i++) p.smEdge('offer', { message: big });
    await p.settle();
    const sizes = p.inits.map((i) => new Blob([i.body as string]).size);
    const flags = p.inits.map((i) => i.keepalive);
    // All are in flight (none answered yet): the keepalive ones must fit in 64 KiB together.
    expect(sizes.filter((_, i) => flags[i]).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(65536);
    expect(flags).toEqual([true, false, false]);
    release();
    await p.settle();
    // Once answered, keepalive is used again, but never for a body of 20,000 characters or more.
    p.smEdge('survey', { email: 'a@b.pl', message: '€'.repeat(19_000) });
    await p.settle();
    expect(p.inits.at(-1)!.keepalive).toBe(true);
    p.smEdge('survey', { email: 'a@b.pl', message: 'x'.repeat(20_000) });
    await p.settle();
    expect(p.inits.at(-1)!.keepalive).toBe(false);
  });

  it('sends what is pending with sendBeacon when the page is left (pagehide)', async () => {
    const p = await load();
    p.smEdge('login', { token: 't' });
    fire(p.win, p.win, 'pagehide');
    await p.settle();
    expect(p.posts).toHaveLength(0);
    expect(p.beacons).toHaveLength(1);
    expect(p.beacons[0]!.e.map((e) => e.k)).toEqual(['visit', 'login']);
  });

  it('sends what is pending with sendBeacon when the page is hidden', async () => {
    const p = await load();
    hide(p.win);
    await p.settle();
    expect(p.beacons.map((b) => b.e.length)).toEqual([1]);
    expect(p.posts).toHaveLength(0);
  });

  it('never throws into the page when the collector is down or fetch throws', async () => {
    const rejecting = await load({ answer: () => Promise.reject(new TypeError('Failed to fetch')) });
    rejecting.smEdge('login', { token: 't' });
    await rejecting.settle();
    const throwing = await load({
      before: (w) =>
        queueMicrotask(() => {
          w.fetch = () => {
            throw new Error('blocked');
          };
        }),
    });
    expect(() => throwing.smEdge('login', { token: 't' })).not.toThrow();
    await throwing.settle();
    fire(throwing.win, throwing.win, 'online');
    expect(rejecting.posts).toHaveLength(1);
  });
});
