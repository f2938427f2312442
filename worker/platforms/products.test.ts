// Product webhooks in workerd: WooCommerce product.* and Shopify products/* through /hooks/*, mapped
// to catalog products (the plugin's price, availability and deletion rules), deduped like the API.
import { describe, expect, it } from 'vitest';
import { loadCatalogRows } from '../ledger/catalog-products.ts';
import type { CatalogProduct } from '../queue/messages.ts';
import * as v from 'valibot';
import { mapShopifyProduct, mapWooProduct, shopifyProductSchema, wooProductSchema } from './products.ts';
import { env, nextId, sendShopify, sendWoo, SHOPIFY_DOMAIN } from '../test/platform-fixtures.ts';

function wooProduct(over: Record<string, unknown> = {}) {
  const id = nextId();
  return {
    id,
    name: 'Kubek',
    permalink: `https://shop.example.com/p/${id}`,
    status: 'publish',
    type: 'simple',
    description: '<p>Ceramiczny <b>kubek</b></p>',
    short_description: '',
    price: '35.00',
    regular_price: '39.90',
    sale_price: '35.00',
    stock_quantity: 4,
    stock_status: 'instock',
    manage_stock: true,
    categories: [{ id: 9, name: 'Kuchnia', slug: 'kuchnia' }],
    images: [{ id: 1, src: 'https://shop.example.com/img/kubek.jpg' }],
    ...over,
  };
}

function shopifyProduct(over: Record<string, unknown> = {}) {
  const id = nextId();
  return {
    id,
    title: 'Kubek',
    handle: 'kubek',
    body_html: '<p>Kubek</p>',
    status: 'active',
    product_type: 'Kuchnia',
    variants: [
      { id: id + 1, price: '35.00', compare_at_price: '39.90', inventory_quantity: 2, inventory_policy: 'deny' },
      { id: id + 2, price: '35.00', inventory_quantity: 3 },
    ],
    images: [{ src: 'https://cdn.shopify.com/kubek.jpg' }],
    ...over,
  };
}

const woo = (topic: string, p: unknown) => mapWooProduct(topic, v.parse(wooProductSchema, p));
const shop = (topic: string, p: unknown, domain: string | null) => mapShopifyProduct(topic, v.parse(shopifyProductSchema, p), domain);

const only = (m: ReturnType<typeof mapWooProduct>): Record<string, unknown> => {
  if (m.kind !== 'products') throw new Error(`not products: ${JSON.stringify(m)}`);
  return m.products[0]!;
};

describe('product mappers', () => {
  it('WooCommerce: regular price, sale price as the discount, stock, text description, first category', () => {
    const p = wooProduct();
    expect(only(woo('product.updated', p))).toEqual({
      id: String(p.id),
      name: 'Kubek',
      url: p.permalink,
      price: 39.9,
      discountPrice: 35,
      available: true,
      quantity: 4,
      imageUrls: ['https://shop.example.com/img/kubek.jpg'],
      categories: ['Kuchnia'],
      description: 'Ceramiczny kubek',
    });
    expect(only(woo('product.updated', wooProduct({ stock_quantity: 0, stock_status: 'outofstock' })))).toMatchObject({ available: false, quantity: 0 });
    expect(only(woo('product.updated', wooProduct({ stock_quantity: 0, stock_status: 'onbackorder' })))).toMatchObject({ available: true });
    expect(only(woo('product.updated', wooProduct({ status: 'trash' })))).toEqual({ id: expect.any(String), deleted: true });
    expect(woo('product.updated', wooProduct({ regular_price: '', price: '' }))).toMatchObject({ kind: 'ignored' });
  });

  it('Shopify: compare-at price as the regular one, stock summed over variants, URL from the shop domain', () => {
    const p = shopifyProduct();
    expect(only(shop('products/update', p, 'shop.myshopify.com'))).toEqual({
      id: String(p.id),
      name: 'Kubek',
      url: 'https://shop.myshopify.com/products/kubek',
      price: 39.9,
      discountPrice: 35,
      available: true,
      quantity: 5,
      imageUrls: ['https://cdn.shopify.com/kubek.jpg'],
      categories: ['Kuchnia'],
      description: 'Kubek',
    });
    expect(only(shop('products/update', shopifyProduct({ status: 'archived' }), 'shop.myshopify.com'))).toMatchObject({ deleted: true });
    expect(only(shop('products/delete', { id: 5 }, null))).toEqual({ id: '5', deleted: true });
  });
});

describe('product webhooks', () => {
  it('WooCommerce product.updated is accepted, the same bytes again are a duplicate, an unchanged product in other bytes is counted unchanged, product.deleted marks it', async () => {
    const p = wooProduct();
    const first = await sendWoo('product.updated', p);
    expect(first).toMatchObject({ status: 200, body: { status: 'accepted', accepted: 1, unchanged: 0 } });
    const row = (await loadCatalogRows(env.LEDGER, [String(p.id)])).get(String(p.id));
    expect(
      JSON.parse(
        (await env.LEDGER.prepare('SELECT payload FROM catalog_products WHERE product_id = ?').bind(String(p.id)).first<{ payload: string }>())!.payload,
      ) as CatalogProduct,
    ).toMatchObject({ price: 39.9, discountPrice: 35 });
    expect(row?.status).toBeDefined();
    // The same bytes under a new delivery id: a repeat of the delivery (its id is not signed).
    expect((await sendWoo('product.updated', p)).body).toMatchObject({ status: 'duplicate' });
    // Other bytes (a field the catalog does not use), the same product: counted unchanged, nothing sent.
    const again = await sendWoo('product.updated', { ...p, date_modified_gmt: '2026-12-01T10:00:00' });
    expect(again.body).toMatchObject({ status: 'accepted', unchanged: 1 });
    const gone = await sendWoo('product.deleted', { id: p.id });
    expect(gone.body).toMatchObject({ status: 'accepted', accepted: 1, unchanged: 0 });
    const payload = await env.LEDGER.prepare('SELECT payload FROM catalog_products WHERE product_id = ?').bind(String(p.id)).first<{ payload: string }>();
    expect(JSON.parse(payload!.payload)).toEqual({ id: String(p.id), deleted: true });
  });

  it('a repeated delivery id changes nothing', async () => {
    const deliveryId = crypto.randomUUID();
    const p = wooProduct();
    await sendWoo('product.created', p, { deliveryId });
    expect((await sendWoo('product.created', p, { deliveryId })).body).toMatchObject({ status: 'duplicate' });
  });

  it('an invalid product is kept (signed means kept) with the reason naming the field', async () => {
    const res = await sendWoo('product.updated', wooProduct({ permalink: 'not a url' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'kept' });
    expect(res.body.reason).toMatch(/^product\.updated: products\[0\]\.url: must be an http\(s\) URL/);
  });

  it('Shopify products/create and products/delete', async () => {
    const p = shopifyProduct();
    expect(await sendShopify('products/create', p)).toMatchObject({ status: 200, body: { status: 'accepted', accepted: 1 } });
    const stored = await env.LEDGER.prepare('SELECT payload FROM catalog_products WHERE product_id = ?').bind(String(p.id)).first<{ payload: string }>();
    expect(JSON.parse(stored!.payload)).toMatchObject({ url: `https://${SHOPIFY_DOMAIN}/products/kubek`, quantity: 5 });
    expect(await sendShopify('products/delete', { id: p.id })).toMatchObject({ status: 200, body: { status: 'accepted' } });
  });
});
