import { describe, expect, it } from 'vitest';
import { fire, hide, load, storageOf, useHarness } from './harness';

useHarness();

/** The documented snippet: smEdge() queues calls until the tracker takes over (or never, when it is off). */
const snippet = (w: any) => {
  w.smEdge = (...a: unknown[]) => (w.smEdge.q = w.smEdge.q || []).push(a);
};

const stored = (p: { win: any }) => ({ storage: storageOf(p.win), cookie: p.win.document.cookie });

describe('consent', () => {
  it('with data-consent="required" sends nothing and stores nothing before consent', async () => {
    const p = await load({ url: 'https://shop.example/koszyk', attrs: { consent: 'required', 'cart-path': '/koszyk' } });
    p.smEdge('cart', { products: [{ id: 'A', quantity: 1 }] });
    p.win.history.pushState({}, '', '/b');
    hide(p.win);
    fire(p.win, p.win, 'pagehide');
    fire(p.win, p.win, 'online');
    await p.settle();
    expect(p.win.fetch).not.toHaveBeenCalled();
    expect(p.win.navigator.sendBeacon).not.toHaveBeenCalled();
    expect(stored(p)).toEqual({ storage: {}, cookie: '' });
  });

  it('sends the held events on smEdge("consent", true), and stores from then on', async () => {
    const p = await load({ attrs: { consent: 'required' } });
    p.smEdge('login', { token: 't' });
    await p.settle();
    p.smEdge('consent', true);
    await p.settle();
    expect(p.posts).toHaveLength(1);
    expect(p.posts[0]!.e.map((e) => e.k)).toEqual(['visit', 'login']);
    expect(stored(p).storage.sm_v).toBe(p.posts[0]!.u);
  });

  it('drops the held events on smEdge("consent", false) and sends nothing after', async () => {
    const p = await load({ attrs: { consent: 'required' } });
    p.smEdge('newsletter', { email: 'a@b.pl' });
    p.smEdge('consent', false);
    p.smEdge('survey', { email: 'a@b.pl' });
    fire(p.win, p.win, 'pagehide');
    await p.settle();
    expect(p.events()).toEqual([]);
    expect(stored(p)).toEqual({ storage: {}, cookie: '' });
    p.smEdge('consent', true);
    p.smEdge('login', { token: 't' });
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['login']);
  });

  it('consent given in the queued snippet before the script loaded counts', async () => {
    const p = await load({
      attrs: { consent: 'required' },
      before: (w) => {
        w.smEdge = (...a: unknown[]) => (w.smEdge.q = w.smEdge.q || []).push(a);
        w.smEdge('consent', true);
      },
    });
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
  });

  it('smEdge("consent", false) stops a tracker that did not require consent', async () => {
    const p = await load();
    p.smEdge('consent', false);
    p.smEdge('login', { token: 't' });
    await p.settle();
    expect(p.events()).toEqual([]);
  });

  it('sets no smclient cookie from an answer once consent is withdrawn', async () => {
    const p = await load({
      attrs: { consent: 'required' },
      answer: () => new Response(JSON.stringify({ accepted: 1, contactId: 'c0ffee00-1111-2222-3333-444455556666' }), { status: 202 }),
    });
    p.smEdge('consent', true);
    p.smEdge('consent', false);
    await p.settle();
    expect(p.posts).toHaveLength(1);
    expect(p.doc.cookie).not.toContain('smclient');
  });

  it('honours Global Privacy Control only with data-respect-gpc', async () => {
    const gpc = (w: any) => Object.defineProperty(w.navigator, 'globalPrivacyControl', { value: true });
    const off = await load({ attrs: { 'respect-gpc': '' }, before: (w) => (gpc(w), snippet(w)) });
    off.smEdge('login', { token: 't' });
    off.smEdge('consent', true);
    await off.settle();
    expect(off.events()).toEqual([]);
    expect(stored(off)).toEqual({ storage: {}, cookie: '' });
    const on = await load({ before: gpc });
    await on.settle();
    expect(on.events().map((e) => e.k)).toEqual(['visit']);
  });

  it('ignores automated browsers (navigator.webdriver) unless data-allow-automation', async () => {
    const bot = await load({ webdriver: true, before: snippet });
    expect(() => bot.smEdge('login', { token: 't' })).not.toThrow();
    await bot.settle();
    expect(bot.win.fetch).not.toHaveBeenCalled();
    expect(stored(bot)).toEqual({ storage: {}, cookie: '' });
    const allowed = await load({ webdriver: true, attrs: { 'allow-automation': '' } });
    await allowed.settle();
    expect(allowed.events().map((e) => e.k)).toEqual(['visit']);
  });
});

describe('remembered consent (data-consent="required")', () => {
  const required = { consent: 'required' };

  it('a given consent is remembered for the next pages, as the decision only (sm_c)', async () => {
    const first = await load({ attrs: required });
    first.smEdge('consent', true);
    await first.settle();
    const storage = storageOf(first.win);
    expect(storage.sm_c).toBe('sm_c');
    expect(storage.sm_c).not.toContain(first.posts[0]!.u); // nothing about the visitor
    const next = await load({ url: 'https://shop.example/b', attrs: required, storage });
    next.smEdge('login', { token: 't' });
    await next.settle();
    expect(next.events().map((e) => [e.k, e.u])).toEqual([
      ['visit', 'https://shop.example/b'],
      ['login', 'https://shop.example/b'],
    ]);
  });

  it('smEdge("consent", false) withdraws it: forgotten, and the next page holds again', async () => {
    const first = await load({ attrs: required });
    first.smEdge('consent', true);
    await first.settle();
    const second = await load({ attrs: required, storage: storageOf(first.win) });
    await second.settle();
    second.smEdge('consent', false);
    second.smEdge('newsletter', { email: 'a@b.pl' });
    await second.settle();
    expect(second.events().map((e) => e.k)).toEqual(['visit']); // sent at load, before the withdrawal
    expect(storageOf(second.win).sm_c).toBeUndefined();
    const third = await load({ attrs: required, storage: storageOf(second.win) });
    third.smEdge('login', { token: 't' });
    fire(third.win, third.win, 'pagehide');
    await third.settle();
    expect(third.events()).toEqual([]);
  });

  it('where storage is blocked, consent still works for the page', async () => {
    const p = await load({
      attrs: required,
      before: (w) =>
        Object.defineProperty(w, 'localStorage', {
          get: () => {
            throw new Error('SecurityError');
          },
        }),
    });
    p.smEdge('consent', true);
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
    p.smEdge('consent', false);
    p.smEdge('login', { token: 't' });
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
  });

  it('a consent tool\'s mode ("gcm", "tcf") does not remember: the tool decides on every page', async () => {
    const p = await load({ attrs: { consent: 'gcm' } });
    p.smEdge('consent', true);
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
    expect(storageOf(p.win).sm_c).toBeUndefined();
    const next = await load({ attrs: { consent: 'gcm' }, storage: storageOf(p.win) });
    await next.settle();
    expect(next.events()).toEqual([]);
  });
});
