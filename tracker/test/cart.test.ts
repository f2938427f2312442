import { describe, expect, it } from 'vitest';
import { load, useHarness } from './harness';

useHarness();

// A Visit under data-cart-path is a Cart as well. The tracker sends the cart path with every request
// (p) and the collector records the Cart (worker/routes/ingest.test.ts, "records a Cart with each
// Visit under the cart path"), so here: every visit of the cart page, SPA navigations included, goes
// out with the cart path beside it.
describe('Cart', () => {
  it('sends each visit of the cart page with data-cart-path, also after an SPA navigation', async () => {
    const p = await load({ url: 'https://shop.example/koszyk/', attrs: { 'cart-path': '/koszyk' } });
    p.win.history.pushState({}, '', '/produkt/1');
    p.win.history.pushState({}, '', '/koszyk?step=2');
    await p.settle();
    expect(p.posts.map((b) => b.p)).toEqual(['/koszyk']);
    expect(p.events().map((e) => [e.k, e.u])).toEqual([
      ['visit', 'https://shop.example/koszyk/'],
      ['visit', 'https://shop.example/produkt/1'],
      ['visit', 'https://shop.example/koszyk?step=2'],
    ]);
  });

  it('sends no cart path without data-cart-path, and no Cart of its own on any page', async () => {
    const a = await load({ url: 'https://shop.example/produkt', attrs: { 'cart-path': '/koszyk' } });
    await a.settle();
    const b = await load({ url: 'https://shop.example/koszyk' });
    await b.settle();
    expect([...a.events(), ...b.events()].map((e) => e.k)).toEqual(['visit', 'visit']);
    expect(b.posts[0]).not.toHaveProperty('p');
  });

  it('smEdge("cart", contents) sends the products, value and currency as given (the collector coerces them)', async () => {
    const p = await load();
    const contents = {
      products: [
        { id: 17, name: 'Kubek', quantity: '2', price: '19.90' },
        { id: 'B', quantity: 1 },
      ],
      value: '39.80',
      currency: 'PLN',
    };
    p.smEdge('cart', contents);
    await p.settle();
    const cart = p.events().find((e) => e.k === 'cart')!;
    expect(cart).toMatchObject(contents);
  });

  it('sends every change, each as its own event, an emptied cart included', async () => {
    const p = await load();
    p.smEdge('cart', { products: [{ id: 'A', quantity: 1 }] });
    p.smEdge('cart', { products: [{ id: 'A', quantity: 2 }] });
    p.smEdge('cart', { products: [] });
    await p.settle();
    const carts = p.events().filter((e) => e.k === 'cart');
    expect(carts.map((e) => e.products)).toEqual([[{ id: 'A', quantity: 1 }], [{ id: 'A', quantity: 2 }], []]);
    expect(new Set(carts.map((e) => e.i)).size).toBe(3);
  });
});
