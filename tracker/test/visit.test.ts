import { describe, expect, it } from 'vitest';
import { fire, load, useHarness } from './harness';

useHarness();

const visits = (p: { events(): any[] }) => p.events().filter((e) => e.k === 'visit');

describe('Visit', () => {
  it('sends one Visit on page load with url, title and referrer', async () => {
    const p = await load({
      url: 'https://shop.example/p/1?utm_source=news',
      before: (w) => Object.defineProperty(w.document, 'referrer', { value: 'https://google.com/' }),
    });
    await p.settle();
    expect(p.posts).toHaveLength(1);
    const [e] = p.posts[0]!.e;
    expect(e).toMatchObject({ k: 'visit', u: 'https://shop.example/p/1?utm_source=news', h: 'Shop', r: 'https://google.com/' });
    expect(e!.t).toBe(Date.now() - 1000);
    expect(p.posts[0]!.v).toBe(2);
  });

  it('strips personal data from the URL and the referrer', async () => {
    const p = await load({
      url: 'https://shop.example/thanks?Email=jan%40x.pl&order=7&phone=123#access_token=abc',
      before: (w) => Object.defineProperty(w.document, 'referrer', { value: 'https://mail.example/?to=jan@x.pl&lang=pl' }),
    });
    await p.settle();
    // The separators left behind are the collector's to tidy (to https://shop.example/thanks?order=7).
    expect(visits(p)[0]).toMatchObject({ u: 'https://shop.example/thanks?order=7&#', r: 'https://mail.example/?lang=pl' });
  });

  it('sends a Visit for each SPA navigation: pushState, replaceState to a new URL, popstate', async () => {
    const p = await load({ url: 'https://shop.example/a' });
    p.win.history.pushState({}, '', '/b');
    p.win.history.replaceState({}, '', '/c');
    p.win.history.back(); // back to /a, with popstate
    await p.settle();
    expect(visits(p).map((e) => new URL(e.u).pathname)).toEqual(['/a', '/b', '/c', '/a']);
  });

  it('counts the same URL twice in a row once (replaceState, pushState to itself, smEdge("visit"))', async () => {
    const p = await load({ url: 'https://shop.example/a' });
    p.win.history.replaceState({ scroll: 1 }, '');
    p.win.history.pushState({}, '', '/a');
    p.smEdge('visit');
    await p.settle();
    expect(visits(p)).toHaveLength(1);
  });

  it('treats hash routes (#/ and #!) as new URLs', async () => {
    const p = await load({ url: 'https://shop.example/#/home' });
    p.win.history.pushState({}, '', '#/cart');
    await p.settle();
    expect(visits(p).map((e) => new URL(e.u).hash)).toEqual(['#/home', '#/cart']);
  });

  it('sends a Visit when the page is restored from the back/forward cache, not on a normal pageshow', async () => {
    const p = await load();
    fire(p.win, p.win, 'pageshow', { persisted: false });
    fire(p.win, p.win, 'pageshow', { persisted: true });
    await p.settle();
    expect(visits(p)).toHaveLength(2);
  });

  it('waits for a prerendered page to be shown, smEdge calls included', async () => {
    const p = await load({
      before: (w) => {
        Object.defineProperty(w.document, 'prerendering', { value: true, configurable: true });
        w.smEdge = (...a: unknown[]) => {
          (w.smEdge.q = w.smEdge.q || []).push(a);
        };
        w.smEdge('cart', { products: [{ id: 'A', quantity: 1 }] });
      },
    });
    await p.settle();
    expect(p.posts).toHaveLength(0);
    Object.defineProperty(p.doc, 'prerendering', { value: false, configurable: true });
    fire(p.doc, p.win, 'prerenderingchange');
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit', 'cart']);
  });

  it('does not break the page history when pushState throws', async () => {
    const p = await load();
    expect(() => p.win.history.pushState({}, '', 'https://other.example/')).toThrow();
    p.win.history.pushState({}, '', '/ok');
    await p.settle();
    expect(visits(p)).toHaveLength(2);
  });
});
