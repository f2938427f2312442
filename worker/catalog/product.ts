// A product of the shop's catalog (docs/contracts.md "Shop server API"): its schema, its content
// hash (the dedupe key with its id), what SALESmanago API v3 gets for it, and which call a change needs.
// The limits are the ones the simulator enforces (test/simulator/catalog.ts V3_LIMITS): SALESmanago
// documents none, so the worker refuses at the door what the catalog would refuse later.
import * as v from 'valibot';
import { amount, currency, identifier, text } from '../ingest/fields.ts';
import { isCurrencyCode } from '../ingest/currencies.ts';
import type { V3Product } from '../salesmanago/v3.ts';
import type { CatalogProduct } from '../queue/messages.ts';

export const MAX_PRODUCTS_PER_REQUEST = 500;
const PRODUCT_LIMITS = {
  id: 255,
  name: 255,
  url: 2048,
  imageUrls: 10,
  categories: 10,
  category: 255,
  details: 5,
  detail: 255,
  /** SALESmanago trims longer descriptions (reason 12, not a failure); above this we refuse. */
  description: 10_000,
  quantity: 1_000_000_000,
} as const;
/** The SDK's main category when a product has none (`Entity/Api/V3/Product/ProductEntity.php:11, 417`). */
const DEFAULT_CATEGORY = 'Uncategorized';

/** One product as accepted (queue/messages.ts): normalised, keys in a fixed order (the hash depends on it). */
export type { CatalogProduct };

const httpUrl = (field: string) =>
  v.pipe(
    text(PRODUCT_LIMITS.url),
    v.check((s) => /^https?:\/\/[^\s/]+/i.test(s) && URL.canParse(s), `must be an http(s) URL${field ? ` (${field})` : ''}`),
  );
const money = v.pipe(amount, v.minValue(0, 'must not be negative'));
const nonEmpty = (max: number) => v.pipe(text(max), v.minLength(1, 'must not be empty'));

const fullProduct = v.object(
  {
    id: identifier(PRODUCT_LIMITS.id),
    name: nonEmpty(PRODUCT_LIMITS.name),
    url: httpUrl(''),
    imageUrls: v.optional(
      v.pipe(v.array(httpUrl(''), 'must be an array of URLs'), v.maxLength(PRODUCT_LIMITS.imageUrls, `must hold at most ${PRODUCT_LIMITS.imageUrls} URLs`)),
    ),
    price: money,
    discountPrice: v.optional(money),
    currency: v.pipe(currency, v.check(isCurrencyCode, 'must be an ISO 4217 currency code, e.g. PLN or EUR')),
    available: v.boolean('must be true or false'),
    quantity: v.optional(
      v.pipe(
        v.number('must be a number'),
        v.integer('must be a whole number'),
        v.minValue(0, 'must not be negative'),
        v.maxValue(PRODUCT_LIMITS.quantity, `must be at most ${PRODUCT_LIMITS.quantity}`),
      ),
    ),
    categories: v.optional(
      v.pipe(
        v.array(nonEmpty(PRODUCT_LIMITS.category), 'must be an array of strings'),
        v.maxLength(PRODUCT_LIMITS.categories, `must hold at most ${PRODUCT_LIMITS.categories} categories`),
      ),
    ),
    description: v.optional(text(PRODUCT_LIMITS.description)),
    details: v.optional(
      v.pipe(
        v.array(text(PRODUCT_LIMITS.detail), 'must be an array of strings'),
        v.maxLength(PRODUCT_LIMITS.details, `must hold at most ${PRODUCT_LIMITS.details} details (detail1 to detail5)`),
      ),
    ),
    deleted: v.optional(v.literal(false, 'must be true or false')),
  },
  'must be an object',
);

const deletedProduct = v.object({ id: identifier(PRODUCT_LIMITS.id), deleted: v.literal(true) }, 'must be an object');

// Platform webhooks carry no currency with a product (platforms/products.ts): the catalog's applies.
const platformProduct = v.object({ ...fullProduct.entries, currency: v.optional(fullProduct.entries.currency) }, 'must be an object');

/** The schema of one item: `deleted: true` needs only `id` (the rest is ignored). */
export function productSchema(
  item: unknown,
  options: { currencyOptional?: boolean } = {},
): typeof fullProduct | typeof deletedProduct | typeof platformProduct {
  if (typeof item === 'object' && item !== null && (item as { deleted?: unknown }).deleted === true) return deletedProduct;
  return options.currencyOptional ? platformProduct : fullProduct;
}

export const productsBody = v.object(
  {
    products: v.pipe(
      v.array(v.unknown(), 'must be an array of products'),
      v.minLength(1, 'must contain at least one product'),
      v.maxLength(MAX_PRODUCTS_PER_REQUEST, `must contain at most ${MAX_PRODUCTS_PER_REQUEST} products (send more in several requests)`),
    ),
  },
  'must be a JSON object',
);

type Parsed = v.InferOutput<typeof platformProduct> | v.InferOutput<typeof deletedProduct>;

/** The accepted form: a deleted product is its id alone; empty optional lists are left out. */
export function normaliseProduct(p: Parsed): CatalogProduct {
  if (p.deleted === true) return { id: p.id, deleted: true };
  const out: CatalogProduct = { id: p.id, name: p.name, url: p.url };
  if (p.imageUrls?.length) out.imageUrls = p.imageUrls;
  out.price = round2(p.price);
  if (p.discountPrice !== undefined) out.discountPrice = round2(p.discountPrice);
  if (p.currency !== undefined) out.currency = p.currency;
  out.available = p.available;
  if (p.quantity !== undefined) out.quantity = p.quantity;
  if (p.categories?.length) out.categories = p.categories;
  if (p.description) out.description = p.description;
  if (p.details?.some((d) => d !== '')) out.details = p.details;
  return out;
}

// Prices to the cent, as the plugin rounds them (`src/Admin/Builder/ProductBuilder.php:331-336`).
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** SHA-256 hex of the accepted form: equal content, equal hash (keys are in a fixed order). */
export async function productHash(p: CatalogProduct): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(p)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The v3 product (`Entity/Api/V3/Product/ProductEntity.php:409-452`): the first image is the main
 * one, the first category the main one; `setAsNull` clears a discount that ended and unused details
 * (ProductEntity.php:457-468, `CustomDetailsEntity.php` getEmptyFields). `available: false` and
 * `active: false` mark a deleted product, as the plugin does (`src/Admin/Builder/ProductBuilder.php:340-343`).
 */
export function toV3Product(p: CatalogProduct, options: { deleted?: boolean } = {}): V3Product {
  const out: V3Product = { productId: p.id };
  if (p.name !== undefined) out.name = p.name;
  out.mainCategory = p.categories?.[0] ?? DEFAULT_CATEGORY;
  if (p.categories) out.categories = p.categories;
  if (p.description !== undefined) out.description = p.description;
  if (p.url !== undefined) out.productUrl = p.url;
  if (p.imageUrls?.[0]) {
    out.mainImageUrl = p.imageUrls[0];
    out.imageUrls = p.imageUrls;
  }
  out.available = options.deleted ? false : (p.available ?? false);
  out.active = !options.deleted;
  if (p.quantity !== undefined) out.quantity = p.quantity;
  if (p.price !== undefined) out.price = p.price;
  if (p.discountPrice !== undefined) out.discountPrice = p.discountPrice;
  const setAsNull: string[] = p.discountPrice === undefined ? ['discountPrice'] : [];
  const details: Record<string, string> = {};
  for (let i = 1; i <= 5; i++) {
    const d = p.details?.[i - 1];
    if (d) details[`detail${i}`] = d;
    else setAsNull.push(`detail${i}`);
  }
  if (Object.keys(details).length > 0) out.customDetails = details;
  out.setAsNull = setAsNull;
  return out;
}

export type ChangeKind = 'upsert' | 'quantity' | 'price';

/**
 * The narrowest call that brings SALESmanago from `before` (what it has) to `after`: the quantity
 * alone goes through updateQuantity, the prices alone through updatePrice (SDK 3.7+,
 * `Services/Api/V3/Product/ProductService.php:168-231`); anything else, a first send, a deletion, or a
 * discount that ends (updatePrice could not clear it), is a full upsert.
 */
export function changeKind(before: CatalogProduct | null, after: CatalogProduct): ChangeKind {
  if (!before || before.deleted || after.deleted) return 'upsert';
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof CatalogProduct)[]);
  const changed = [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (changed.length === 0) return 'upsert';
  if (changed.every((k) => k === 'quantity') && after.quantity !== undefined) return 'quantity';
  if (
    changed.every((k) => k === 'price' || k === 'discountPrice') &&
    after.price !== undefined &&
    (after.discountPrice !== undefined || before.discountPrice === undefined)
  )
    return 'price';
  return 'upsert';
}
