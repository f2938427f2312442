import { describe, expect, it, vi } from 'vitest';
import { load, useHarness } from './harness';

useHarness();

const stub = (calls: unknown[][]) => (w: any) => {
  w.smEdge = (...a: unknown[]) => {
    (w.smEdge.q = w.smEdge.q || []).push(a);
  };
  for (const c of calls) w.smEdge(...c);
};

describe('smEdge commands', () => {
  it('login sends {k: "login", token}', async () => {
    const p = await load();
    p.smEdge('login', { token: 'amFuQHgucGw.1900000000.ab12' });
    await p.settle();
    expect(p.events()[1]).toMatchObject({ k: 'login', token: 'amFuQHgucGw.1900000000.ab12' });
  });

  it('offer, newsletter and survey send their fields as given (the collector coerces and allow-lists them)', async () => {
    const p = await load();
    p.smEdge('offer', { email: 'a@b.pl', products: [{ id: 'X', quantity: 3 }], message: 'Quote please', company: 'ACME' });
    p.smEdge('newsletter', { email: 'n@b.pl' });
    p.smEdge('survey', { email: 's@b.pl', message: 'Hi', phone: 500600700 });
    await p.settle();
    expect(p.events().slice(1)).toMatchObject([
      { k: 'offer', email: 'a@b.pl', products: [{ id: 'X', quantity: 3 }], message: 'Quote please', company: 'ACME' },
      { k: 'newsletter', email: 'n@b.pl' },
      { k: 'survey', email: 's@b.pl', message: 'Hi', phone: 500600700 },
    ]);
  });

  it('sends the argument as it was when called, not as the shop changes it afterwards', async () => {
    const p = await load();
    const cart = { products: [{ id: 'A', quantity: 1 }], value: 10 };
    p.smEdge('cart', cart);
    cart.products.push({ id: 'B', quantity: 1 });
    cart.products[0]!.quantity = 5;
    cart.value = 30;
    p.smEdge('cart', cart);
    await p.settle();
    expect(
      p
        .events()
        .slice(1)
        .map((e) => [e.products, e.value]),
    ).toEqual([
      [[{ id: 'A', quantity: 1 }], 10],
      [
        [
          { id: 'A', quantity: 5 },
          { id: 'B', quantity: 1 },
        ],
        30,
      ],
    ]);
  });

  it('ignores an argument JSON cannot carry (a BigInt, a cycle) without losing the calls around it', async () => {
    const p = await load();
    const cyclic: Record<string, unknown> = { email: 'a@b.pl' };
    cyclic.self = cyclic;
    p.smEdge('login', { token: 't1' });
    expect(() => p.smEdge('cart', { value: 10n })).not.toThrow();
    expect(() => p.smEdge('newsletter', cyclic)).not.toThrow();
    p.smEdge('login', { token: 't2' });
    await p.settle();
    expect(p.events().map((e) => e.token)).toEqual([undefined, 't1', 't2']);
  });

  it('replays calls queued in smEdge.q before the script loaded, in order, then takes calls directly', async () => {
    const p = await load({
      before: stub([
        ['login', { token: 't1' }],
        ['cart', { products: [{ id: 'A', quantity: 1 }] }],
      ]),
    });
    p.smEdge('newsletter', { email: 'a@b.pl' });
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit', 'login', 'cart', 'newsletter']);
    expect(p.win.smEdge.q).toBeUndefined();
  });

  it('never throws on malformed calls; leaves them to the collector, whose answer data-debug shows', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const answer = { accepted: 1, rejected: [{ index: 1, error: 'e[1].k: must be one of visit, cart, login, offer, newsletter, survey' }] };
    const p = await load({ attrs: { debug: '' }, answer: () => new Response(JSON.stringify(answer), { status: 202 }) });
    const bad: unknown[][] = [
      [],
      ['nope'],
      ['login'],
      ['login', { token: '' }],
      ['newsletter', {}],
      ['survey', null],
      [42],
      [{}],
      ['cart', { products: [null] }],
      ['cart', { products: [{ id: Symbol('x') }] }],
      ['offer', { products: 'A' }],
      ['offer', 'text'],
    ];
    for (const c of bad) expect(() => p.smEdge(...c)).not.toThrow();
    await p.settle();
    // Each call is one event for the collector to check, with its own id, time and page.
    const sent = p.events().slice(1);
    expect(sent.map((e) => e.k)).toEqual([undefined, 'nope', 'login', 'login', 'newsletter', 'survey', 42, {}, 'cart', 'cart', 'offer', 'offer']);
    expect(sent[3]).toMatchObject({ token: '' });
    expect(sent[9]).toMatchObject({ products: [{}] });
    expect(sent[10]).toMatchObject({ products: 'A' });
    for (const e of sent) expect(e).toMatchObject({ i: expect.any(String), t: Date.now() - 1000, u: 'https://shop.example/' });
    expect(log).toHaveBeenCalledWith('smEdge', answer);
  });

  it('with data-debug shows why the collector refused a whole request', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const p = await load({ attrs: { debug: '' }, answer: () => new Response('{"error":"e[0].email: is required"}', { status: 400 }) });
    await p.settle();
    expect(log).toHaveBeenCalledWith('smEdge', { error: 'e[0].email: is required' });
  });

  it('logs nothing without data-debug', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const p = await load({ answer: () => new Response('{"accepted":0,"rejected":[{"index":0,"error":"x"}]}', { status: 202 }) });
    p.smEdge('nope');
    await p.settle();
    expect(p.posts).toHaveLength(1);
    expect(log).not.toHaveBeenCalled();
  });

  it('gives every event a unique id and the client time', async () => {
    const p = await load();
    for (let i = 0; i < 30; i++) p.smEdge('cart', { products: [{ id: 'A', quantity: i + 1 }] });
    await p.settle();
    const ids = p.events().map((e) => e.i);
    expect(new Set(ids).size).toBe(31);
    for (const id of ids) expect(id).toMatch(/^[\w-]{8,64}$/);
    for (const e of p.events()) expect(e.t).toBe(Date.now() - 1000);
  });

  it('makes ids without crypto.randomUUID (plain-http shops)', async () => {
    const orig = crypto.randomUUID;
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const p = await load();
      p.smEdge('cart', {});
      await p.settle();
      const ids = [...p.events().map((e) => e.i), p.posts[0]!.u];
      expect(new Set(ids).size).toBe(3);
      for (const id of ids) expect(id).toMatch(/^[\w-]{16,64}$/);
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: orig, configurable: true });
    }
  });
});
