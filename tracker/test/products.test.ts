// Product views (s.full.js; the source has every flag on): the page's Visit carries the products of
// its schema.org Product JSON-LD; smEdge('view', …) goes to the collector, which makes it its page's
// Visit (worker/ingest/beacon.ts), so a product page sends one VISIT.
import { describe, expect, it } from 'vitest';
import { fire, load, useHarness } from './harness';

useHarness();

const ld =
  (...json: unknown[]) =>
  (w: any) => {
    for (const j of json) {
      const s = w.document.createElement('script');
      s.type = 'application/ld+json';
      s.textContent = typeof j === 'string' ? j : JSON.stringify(j);
      w.document.head.append(s);
    }
  };

const kubek = {
  '@context': 'https://schema.org',
  '@type': 'Product',
  name: 'Kubek',
  sku: 'KUB-1',
  productID: '17',
  offers: { '@type': 'Offer', price: '39.90', priceCurrency: 'PLN' },
};

describe('product views', () => {
  it("a product page's Visit carries its Product: sku (else productID), name, the offer's price", async () => {
    const p = await load({ url: 'https://shop.example/p/kubek', before: ld(kubek) });
    await p.settle();
    expect(p.events()).toHaveLength(1);
    expect(p.events()[0]).toMatchObject({ k: 'visit', u: 'https://shop.example/p/kubek', products: [{ id: 'KUB-1', name: 'Kubek', price: '39.90' }] });
  });

  it('reads @graph (Yoast, Rank Math), arrays and offer lists; skips other types, nested products, bad JSON and products without an id', async () => {
    const p = await load({
      before: ld(
        '{ not json',
        {
          '@context': 'https://schema.org',
          '@graph': [
            { '@type': 'WebPage', name: 'page' },
            { '@type': ['Product', 'Thing'], productID: 17, name: 'Talerz', offers: [{ price: 25 }, { price: 30 }] },
          ],
        },
        [{ '@type': 'BreadcrumbList' }, { '@type': 'Product', name: 'no id' }, { '@type': 'Product', sku: 'MIS-2' }],
        { '@type': 'ItemList', itemListElement: [{ '@type': 'Product', sku: 'LIST-1' }] },
      ),
    });
    await p.settle();
    expect(p.events()[0]!.products).toEqual([{ id: 17, name: 'Talerz', price: 25 }, { id: 'MIS-2' }]);
  });

  it('a page without Product markup sends a plain Visit', async () => {
    const p = await load({ before: ld({ '@type': 'Organization', name: 'Shop' }) });
    await p.settle();
    expect(p.events()).toHaveLength(1);
    expect(p.events()[0]).not.toHaveProperty('products');
  });

  it('an SPA navigation reads the markup the new page has', async () => {
    const p = await load({ url: 'https://shop.example/' });
    ld(kubek)(p.win);
    p.win.history.pushState({}, '', '/p/kubek');
    await p.settle();
    expect(p.events().map((e) => e.products?.[0]?.id)).toEqual([undefined, 'KUB-1']);
  });

  it('smEdge("view") goes in the same batch as the Visit of its page, for the collector to merge', async () => {
    const p = await load({
      url: 'https://shop.example/p/kubek',
      before: (w) => {
        w.smEdge = (...a: unknown[]) => (w.smEdge.q = w.smEdge.q || []).push(a);
        w.smEdge('view', { products: [{ id: 'KUB-1', name: 'Kubek', price: 39.9 }] });
      },
    });
    await p.settle();
    expect(p.posts).toHaveLength(1);
    expect(p.posts[0]!.e.map((e) => [e.k, e.u, e.products?.[0]?.id])).toEqual([
      ['visit', 'https://shop.example/p/kubek', undefined],
      ['view', 'https://shop.example/p/kubek', 'KUB-1'],
    ]);
  });

  it('loaded before the page is parsed (async), it starts once it is, and sees markup printed at the end', async () => {
    const p = await load({
      url: 'https://shop.example/p/kubek',
      before: (w) => Object.defineProperty(w.document, 'readyState', { value: 'loading', configurable: true }),
    });
    await p.settle();
    expect(p.posts).toEqual([]);
    // Until then smEdge is the theme's own stub, or none.
    expect(p.win.smEdge).toBeUndefined();
    ld(kubek)(p.win);
    Object.defineProperty(p.doc, 'readyState', { value: 'interactive', configurable: true });
    fire(p.doc, p.win, 'DOMContentLoaded');
    await p.settle();
    expect(p.events()).toHaveLength(1);
    expect(p.events()[0]!.products).toEqual([{ id: 'KUB-1', name: 'Kubek', price: '39.90' }]);
  });
});
