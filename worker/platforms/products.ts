// Product webhooks of the shop platforms, mapped to the items of POST /api/v1/products (docs/catalog.md).
// WooCommerce product.created/updated/deleted (REST API v3 product objects), Shopify
// products/create/update/delete. One product per platform product (variants are not separate
// products). Platforms send no currency with a product: the catalog's own currency applies.
// WooCommerce rules are the official plugin's (3.11.1 `salesmanago/src/Admin/Builder/ProductBuilder.php`):
// price = regular price, else price; discount = sale price (:77-78); available from stock quantity and
// status (:349-370); a product without name or price is not sent (:381); a trashed one is deleted (:244).
import * as v from 'valibot';
import { ignored, type Mapped } from './platform.ts';
import { money, optionalText, platformId } from './payload-fields.ts';

const optionalMoney = v.nullish(v.union([v.literal(''), money], 'must be a number or a decimal string'));
const image = v.looseObject({ src: v.nullish(v.string('must be a string')) });
const images = v.nullish(v.array(image, 'must be an array of images'));

export const wooProductSchema = v.looseObject({
  id: platformId,
  name: optionalText,
  permalink: optionalText,
  status: optionalText,
  description: optionalText,
  short_description: optionalText,
  price: optionalMoney,
  regular_price: optionalMoney,
  sale_price: optionalMoney,
  stock_quantity: v.nullish(v.pipe(v.number('must be a number'), v.integer('must be a whole number'))),
  stock_status: optionalText,
  categories: v.nullish(v.array(v.looseObject({ name: optionalText }), 'must be an array of categories')),
  images,
});
export const wooProductDeletedSchema = v.looseObject({ id: platformId });

export const shopifyProductSchema = v.looseObject({
  id: platformId,
  title: optionalText,
  handle: optionalText,
  body_html: optionalText,
  status: optionalText,
  product_type: optionalText,
  variants: v.nullish(
    v.array(
      v.looseObject({
        price: optionalMoney,
        compare_at_price: optionalMoney,
        inventory_quantity: v.nullish(v.pipe(v.number('must be a number'), v.integer('must be a whole number'))),
        inventory_policy: optionalText,
      }),
      'must be an array of variants',
    ),
  ),
  images,
});
export const shopifyProductDeletedSchema = v.looseObject({ id: platformId });

type WooProduct = v.InferOutput<typeof wooProductSchema>;
type ShopifyProduct = v.InferOutput<typeof shopifyProductSchema>;

const amountOf = (x: number | '' | null | undefined): number | undefined => (typeof x === 'number' ? x : undefined);
const srcs = (list: { src?: string | null }[] | null | undefined) =>
  (list ?? []).flatMap((i) => (i.src && /^https?:\/\//i.test(i.src) ? [i.src] : [])).slice(0, 10);
/** Product descriptions are HTML on both platforms; the plugin sends the text (`wp_strip_all_tags`, ProductBuilder.php:323). */
function plainText(html: string | null | undefined): string | undefined {
  const text = (html ?? '')
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text ? text.slice(0, 10_000) : undefined;
}

export function mapWooProduct(topic: string, payload: unknown): Mapped {
  const id = String((payload as { id: unknown }).id);
  if (topic === 'product.deleted') return { kind: 'products', products: [{ id, deleted: true }] };
  const p = payload as WooProduct;
  // Not for sale any more: marked unavailable, as the plugin does with a trashed product.
  if (p.status && p.status !== 'publish') return { kind: 'products', products: [{ id, deleted: true }] };
  const regular = amountOf(p.regular_price) ?? amountOf(p.price);
  const sale = amountOf(p.sale_price);
  if (!p.name?.trim() || regular === undefined) return ignored(`product ${id} has no name or no price; it is not sent (as the official plugin skips it)`);
  if (!p.permalink) return ignored(`product ${id} has no permalink`);
  const quantity = p.stock_quantity ?? undefined;
  const status = p.stock_status ?? '';
  const available = quantity === undefined || quantity > 0 ? status !== 'outofstock' : status === 'onbackorder';
  const categories = (p.categories ?? []).flatMap((c) => (c.name?.trim() ? [c.name.trim().slice(0, 255)] : [])).slice(0, 10);
  const description = plainText(p.short_description) ?? plainText(p.description);
  return {
    kind: 'products',
    products: [
      {
        id,
        name: p.name.trim().slice(0, 255),
        url: p.permalink,
        price: regular,
        ...(sale !== undefined && sale < regular ? { discountPrice: sale } : {}),
        available,
        ...(quantity !== undefined ? { quantity: Math.max(0, quantity) } : {}),
        ...(srcs(p.images).length ? { imageUrls: srcs(p.images) } : {}),
        ...(categories.length ? { categories } : {}),
        ...(description ? { description } : {}),
      },
    ],
  };
}

/** Shopify: the first variant's prices (compare_at_price above price is the regular one), the variants' stock summed. */
export function mapShopifyProduct(topic: string, payload: unknown, shopDomain: string | null): Mapped {
  const id = String((payload as { id: unknown }).id);
  if (topic === 'products/delete') return { kind: 'products', products: [{ id, deleted: true }] };
  const p = payload as ShopifyProduct;
  if (p.status && p.status !== 'active') return { kind: 'products', products: [{ id, deleted: true }] };
  const first = p.variants?.[0];
  const price = amountOf(first?.price);
  const compare = amountOf(first?.compare_at_price);
  if (!p.title?.trim() || price === undefined) return ignored(`product ${id} has no title or no price`);
  if (!p.handle || !shopDomain) return ignored(`product ${id}: its URL needs the handle and SHOPIFY_SHOP_DOMAIN`);
  const stocks = (p.variants ?? []).map((x) => x.inventory_quantity).filter((q): q is number => typeof q === 'number');
  const quantity =
    stocks.length > 0
      ? Math.max(
          0,
          stocks.reduce((a, b) => a + b, 0),
        )
      : undefined;
  const sellsWithoutStock = (p.variants ?? []).some((x) => x.inventory_policy === 'continue');
  const description = plainText(p.body_html);
  return {
    kind: 'products',
    products: [
      {
        id,
        name: p.title.trim().slice(0, 255),
        url: `https://${shopDomain}/products/${encodeURIComponent(p.handle)}`,
        ...(compare !== undefined && compare > price ? { price: compare, discountPrice: price } : { price }),
        available: quantity === undefined || quantity > 0 || sellsWithoutStock,
        ...(quantity !== undefined ? { quantity } : {}),
        ...(srcs(p.images).length ? { imageUrls: srcs(p.images) } : {}),
        ...(p.product_type?.trim() ? { categories: [p.product_type.trim().slice(0, 255)] } : {}),
        ...(description ? { description } : {}),
      },
    ],
  };
}
