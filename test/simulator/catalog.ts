// SALESmanago API v3, product catalog only (docs/catalog.md; reference §1.2): the methods the official
// SDK 3.8 calls (`Services/Api/V3/Product/CatalogService.php:17-19`, `ProductService.php:25-27`), the
// `API-KEY` header, and errors as v3 answers them: `{messages, reasonCode}` or
// `{problems: [{reasonCode, message}]}` (the two shapes `Services/Api/V3/RequestService.php:38-77`
// reads). Reason codes 10-15 are documented (reference §1.2); 12 ("data trimmed") is a warning on a 200.
// A request with any other problem is refused whole and changes nothing.
//
// The field limits below are the simulator's: SALESmanago documents none for products (reference §1.2),
// so the worker's own schema (worker/catalog/product.ts) enforces the same ones before anything is sent.
import { randomUUID } from 'node:crypto';
import { isObject, type JsonObject } from './validation.ts';

export interface CatalogSeed {
  catalogId: string;
  name: string;
  currency: string;
  location: string;
}

export interface Catalog extends CatalogSeed {
  setAsDefault: boolean;
}

export interface StoredProduct {
  productId: string;
  name: string;
  productUrl: string;
  mainCategory?: string;
  categories?: string[];
  description?: string;
  mainImageUrl?: string;
  imageUrls?: string[];
  available?: boolean;
  active?: boolean;
  quantity?: number;
  price?: number;
  discountPrice?: number;
  customDetails?: Record<string, string>;
  /** Calls that changed this product after it was created (upsert, updateQuantity, updatePrice). */
  updates: number;
}

const V3_LIMITS = {
  /** Products per upsert / updateQuantity / updatePrice: the plugin's package size (ExportModel::PRODUCT_PACKAGE_SIZE). */
  products: 100,
  productId: 255,
  name: 255,
  url: 2048,
  category: 255,
  categories: 10,
  imageUrls: 10,
  detail: 255,
  /** Longer descriptions are trimmed with reason 12, not refused. */
  description: 2000,
  catalogs: 5,
} as const;

const LOCATION = /^[a-zA-Z_][a-zA-Z0-9_]{2,35}$/;

interface Problem {
  reasonCode: number;
  message: string;
}

export interface V3Reply {
  status: number;
  body: JsonObject;
}

export class CatalogStore {
  private catalogs = new Map<string, Catalog>();
  private products = new Map<string, Map<string, StoredProduct>>();

  private readonly seeds: readonly CatalogSeed[];

  constructor(seeds: readonly CatalogSeed[] = []) {
    this.seeds = seeds;
    this.reset();
  }

  reset(): void {
    this.catalogs.clear();
    this.products.clear();
    for (const seed of this.seeds) this.catalogs.set(seed.catalogId, { ...seed, setAsDefault: false });
  }

  state(): (Catalog & { products: StoredProduct[] })[] {
    return [...this.catalogs.values()].map((c) => ({ ...c, products: [...(this.products.get(c.catalogId)?.values() ?? [])].map((p) => structuredClone(p)) }));
  }

  productCount(): number {
    let n = 0;
    for (const m of this.products.values()) n += m.size;
    return n;
  }

  product(catalogId: string, productId: string): StoredProduct | undefined {
    return this.products.get(catalogId)?.get(productId);
  }

  /** One v3 method; `path` must be in V3_METHODS. */
  call(path: string, method: string, body: JsonObject): V3Reply {
    switch (path) {
      case '/v3/product/catalogList':
        return { status: 200, body: { catalogs: [...this.catalogs.values()].map((c) => ({ ...c })), limits: { max: V3_LIMITS.catalogs } } };
      case '/v3/product/catalogUpsert':
        return method === 'POST' ? this.catalogUpsert(body) : onlyPost();
      case '/v3/product/upsert':
        return method === 'POST' ? this.write(body, 'upsert') : onlyPost();
      case '/v3/product/updateQuantity':
        return method === 'POST' ? this.write(body, 'quantity') : onlyPost();
      case '/v3/product/updatePrice':
        return method === 'POST' ? this.write(body, 'price') : onlyPost();
      default:
        return refuse([{ reasonCode: 13, message: `unknown method ${path}` }], 404);
    }
  }

  private catalogUpsert(body: JsonObject): V3Reply {
    const problems: Problem[] = [];
    const name = requiredText(body, 'name', 255, problems);
    const currency = requiredText(body, 'currency', 3, problems);
    const location = requiredText(body, 'location', 36, problems);
    if (currency && !/^[A-Z]{3}$/.test(currency)) problems.push({ reasonCode: 14, message: 'currency:ISO 4217 code' });
    if (location && !LOCATION.test(location)) problems.push({ reasonCode: 14, message: 'location:[a-zA-Z_][a-zA-Z0-9_]{2,35}' });
    const id = typeof body.catalogId === 'string' ? body.catalogId : undefined;
    if (id && !this.catalogs.has(id)) problems.push({ reasonCode: 13, message: `catalogId ${id} not found` });
    if (name && [...this.catalogs.values()].some((c) => c.name === name && c.catalogId !== id)) problems.push({ reasonCode: 15, message: 'name' });
    if (!id && this.catalogs.size >= V3_LIMITS.catalogs) problems.push({ reasonCode: 11, message: `catalogs|min:0|max:${V3_LIMITS.catalogs}` });
    if (problems.length > 0) return refuse(problems);
    const catalogId = id ?? randomUUID();
    this.catalogs.set(catalogId, { catalogId, name: name!, currency: currency!, location: location!, setAsDefault: body.setAsDefault === true });
    return { status: 200, body: { catalogId } };
  }

  private write(body: JsonObject, kind: 'upsert' | 'quantity' | 'price'): V3Reply {
    const catalogId = body.catalogId;
    if (typeof catalogId !== 'string' || catalogId === '') return refuse([{ reasonCode: 13, message: 'catalogId' }]);
    const catalog = this.catalogs.get(catalogId);
    // Not among the documented codes the reference could reach: the simulator answers 13 with its words.
    if (!catalog) return refuse([{ reasonCode: 13, message: `catalogId ${catalogId} not found` }]);
    const list = body.products;
    if (!Array.isArray(list)) return refuse([{ reasonCode: 13, message: 'products' }]);
    if (list.length < 1 || list.length > V3_LIMITS.products) return refuse([{ reasonCode: 11, message: `products|min:1|max:${V3_LIMITS.products}` }]);
    const stored = this.products.get(catalogId) ?? new Map<string, StoredProduct>();
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const next: StoredProduct[] = [];
    list.forEach((raw, i) => {
      const at = `products[${i}]`;
      if (!isObject(raw)) {
        problems.push({ reasonCode: 14, message: `${at}:object` });
        return;
      }
      const productId = typeof raw.productId === 'string' || typeof raw.productId === 'number' ? String(raw.productId) : '';
      if (!productId) {
        problems.push({ reasonCode: 13, message: `${at}.productId` });
        return;
      }
      if (productId.length > V3_LIMITS.productId) problems.push({ reasonCode: 11, message: `${at}.productId|min:1|max:${V3_LIMITS.productId}` });
      const before = stored.get(productId);
      if (kind !== 'upsert' && !before) {
        problems.push({ reasonCode: 13, message: `${at}.productId ${productId} not in the catalog` });
        return;
      }
      const fields =
        kind === 'upsert'
          ? readProduct(raw, at, before, problems, warnings)
          : kind === 'quantity'
            ? readQuantity(raw, at, problems)
            : readPrice(raw, at, problems);
      // A field given as undefined (a price update without discountPrice, setAsNull) is cleared.
      if (fields)
        next.push(
          defined({
            ...(before ?? { productId, name: '', productUrl: '', updates: -1 }),
            ...fields,
            productId,
            updates: (before?.updates ?? -1) + 1,
          }) as StoredProduct,
        );
    });
    if (problems.length > 0) return refuse(problems);
    for (const p of next) stored.set(p.productId, p);
    this.products.set(catalogId, stored);
    return { status: 200, body: { requestId: randomUUID(), ...(warnings.length > 0 ? { problems: warnings } : {}) } };
  }
}

function onlyPost(): V3Reply {
  return refuse([{ reasonCode: 14, message: 'method:POST' }], 405);
}

function refuse(problems: Problem[], status = 400): V3Reply {
  return { status, body: { problems } };
}

function requiredText(body: JsonObject, field: string, max: number, problems: Problem[]): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    problems.push({ reasonCode: 13, message: field });
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.push({ reasonCode: 14, message: `${field}:string` });
    return undefined;
  }
  if (value.length > max) problems.push({ reasonCode: 11, message: `${field}|min:1|max:${max}` });
  return value;
}

function text(raw: JsonObject, field: string, at: string, max: number, problems: Problem[]): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.push({ reasonCode: 14, message: `${at}.${field}:string` });
    return undefined;
  }
  if (value.length > max) problems.push({ reasonCode: 11, message: `${at}.${field}|min:0|max:${max}` });
  return value;
}

function texts(raw: JsonObject, field: string, at: string, maxItems: number, maxEach: number, problems: Problem[]): string[] | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    problems.push({ reasonCode: 14, message: `${at}.${field}:string[]` });
    return undefined;
  }
  if (value.length > maxItems) problems.push({ reasonCode: 11, message: `${at}.${field}|min:0|max:${maxItems}` });
  value.forEach((v: string, k) => {
    if (v.length > maxEach) problems.push({ reasonCode: 11, message: `${at}.${field}[${k}]|min:0|max:${maxEach}` });
  });
  return value as string[];
}

function num(raw: JsonObject, field: string, at: string, problems: Problem[], integer = false): number | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    problems.push({ reasonCode: 14, message: `${at}.${field}:${integer ? 'integer' : 'number'}` });
    return undefined;
  }
  if (value < 0) problems.push({ reasonCode: 11, message: `${at}.${field}|min:0` });
  return value;
}

function bool(raw: JsonObject, field: string, at: string, problems: Problem[]): boolean | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') problems.push({ reasonCode: 14, message: `${at}.${field}:boolean` });
  return value === true;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readProduct(raw: JsonObject, at: string, before: StoredProduct | undefined, problems: Problem[], warnings: Problem[]): Partial<StoredProduct> | null {
  const start = problems.length;
  const name = text(raw, 'name', at, V3_LIMITS.name, problems);
  const productUrl = text(raw, 'productUrl', at, V3_LIMITS.url, problems);
  // A new product needs a name and a URL; an existing one may be sent with fewer fields.
  if (!before && !name) problems.push({ reasonCode: 13, message: `${at}.name` });
  if (!before && !productUrl) problems.push({ reasonCode: 13, message: `${at}.productUrl` });
  let description = raw.description;
  if (description !== undefined && description !== null && typeof description !== 'string') {
    problems.push({ reasonCode: 14, message: `${at}.description:string` });
    description = undefined;
  }
  if (typeof description === 'string' && description.length > V3_LIMITS.description) {
    warnings.push({ reasonCode: 12, message: `${at}.description|max:${V3_LIMITS.description}` });
    description = description.slice(0, V3_LIMITS.description);
  }
  const custom = raw.customDetails;
  let customDetails: Record<string, string> | undefined;
  if (custom !== undefined && custom !== null) {
    if (!isObject(custom)) problems.push({ reasonCode: 14, message: `${at}.customDetails:object` });
    else {
      customDetails = {};
      for (const [key, value] of Object.entries(custom)) {
        if (!/^detail[1-5]$/.test(key)) problems.push({ reasonCode: 14, message: `${at}.customDetails.${key}:detail1..detail5` });
        else if (typeof value !== 'string') problems.push({ reasonCode: 14, message: `${at}.customDetails.${key}:string` });
        else if (value.length > V3_LIMITS.detail) problems.push({ reasonCode: 11, message: `${at}.customDetails.${key}|min:0|max:${V3_LIMITS.detail}` });
        else customDetails[key] = value;
      }
    }
  }
  const fields = defined({
    name,
    productUrl,
    mainCategory: text(raw, 'mainCategory', at, V3_LIMITS.category, problems),
    categories: texts(raw, 'categories', at, V3_LIMITS.categories, V3_LIMITS.category, problems),
    description: description as string | undefined,
    mainImageUrl: text(raw, 'mainImageUrl', at, V3_LIMITS.url, problems),
    imageUrls: texts(raw, 'imageUrls', at, V3_LIMITS.imageUrls, V3_LIMITS.url, problems),
    available: bool(raw, 'available', at, problems),
    active: bool(raw, 'active', at, problems),
    quantity: num(raw, 'quantity', at, problems, true),
    price: num(raw, 'price', at, problems),
    discountPrice: num(raw, 'discountPrice', at, problems),
    customDetails,
  });
  // setAsNull: the fields to clear (SDK `Entity/Api/V3/Product/ProductEntity.php:449-468`).
  if (Array.isArray(raw.setAsNull))
    for (const f of raw.setAsNull) if (f === 'discountPrice' && fields.discountPrice === undefined) fields.discountPrice = undefined;
  return problems.length > start ? null : fields;
}

function readQuantity(raw: JsonObject, at: string, problems: Problem[]): Partial<StoredProduct> | null {
  const start = problems.length;
  const quantity = num(raw, 'quantity', at, problems, true);
  if (quantity === undefined && problems.length === start) problems.push({ reasonCode: 13, message: `${at}.quantity` });
  return problems.length > start ? null : { quantity: quantity! };
}

function readPrice(raw: JsonObject, at: string, problems: Problem[]): Partial<StoredProduct> | null {
  const start = problems.length;
  const price = num(raw, 'price', at, problems);
  const discountPrice = num(raw, 'discountPrice', at, problems);
  if (price === undefined && problems.length === start) problems.push({ reasonCode: 13, message: `${at}.price` });
  return problems.length > start ? null : { price: price!, discountPrice };
}
