// Product views without configuration: the page's schema.org Product JSON-LD, as WooCommerce,
// Shopify and PrestaShop themes print it (a script of type application/ld+json holding an object, an
// array, or an @graph of either). Each Product gives {id: sku, else productID; name; price: its
// (first) offer's price}; one without an id is skipped. Products nested in other things (an
// ItemList of a category page, a product's isRelatedTo) are not views and are not read.
import { d } from './env';

export const viewed = () => {
  const p: unknown[] = [];
  const add = (o: any): unknown =>
    o['@graph']
      ? [o['@graph']].flat().map(add)
      : /Product/.test(o['@type']) && (o.sku || o.productID) && p.push({ id: o.sku || o.productID, name: o.name, price: [o.offers].flat()[0]?.price });
  for (const s of d.querySelectorAll('script[type="application/ld+json"]'))
    try {
      [JSON.parse(s.text)].flat().map(add);
    } catch {}
  return p[0] && { products: p };
};
