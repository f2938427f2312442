// SALESmanago API v3, the product catalog (docs/catalog.md). The paths and bodies are the official
// SDK 3.8's (WordPressBugBounty/plugins-salesmanago 3.11.1, under
// `salesmanago/vendor/salesmanago/api-sso-util/src`):
//   - catalogs: `Services/Api/V3/Product/CatalogService.php:17-19` (catalogList read with GET,
//     catalogUpsert with the catalog's name, currency, location and setAsDefault, `Entity/Api/V3/CatalogEntity.php:198-206`);
//   - products: `Services/Api/V3/Product/ProductService.php:25-27` (upsert, updateQuantity,
//     updatePrice), each body `{catalogId, products: [...]}` (`Model/Api/V3/ProductsModel.php:41-44, 85-90, 188-193`).
// Authentication is the `API-KEY` header alone (reference §1.2). Errors are read as the SDK's
// `Services/Api/V3/RequestService.php:38-77` reads them: `{messages, reasonCode}` or
// `{problems: [{reasonCode, message}]}`, where reason 12 ("data trimmed") is not a failure.
import { kindOfStatus, parseRetryAfter, redact, SalesmanagoError, type FailureKind } from './errors.ts';

export interface V3Config {
  endpoint: string;
  apiKey: string;
  timeoutMs: number;
}

const V3_PATHS = {
  catalogList: '/v3/product/catalogList',
  catalogUpsert: '/v3/product/catalogUpsert',
  upsert: '/v3/product/upsert',
  updateQuantity: '/v3/product/updateQuantity',
  updatePrice: '/v3/product/updatePrice',
} as const;

/** Products per call: the plugin's package size (reference §1.2, `ExportModel::PRODUCT_PACKAGE_SIZE`). */
export const PRODUCTS_PER_CALL = 100;

/** "Data trimmed": a warning on a stored request (SDK RequestService.php:40, 60; plugin CHANGELOG 3.1.8). */
const REASON_TRIMMED = 12;
/** Authentication error (reference §1.2): a set-up problem, retried until the key is fixed. */
const REASON_AUTH = 10;

export interface V3Catalog {
  catalogId: string;
  name: string;
  currency?: string;
  location?: string;
  setAsDefault?: boolean;
}

/** A product as v3 takes it (`Entity/Api/V3/Product/ProductEntity.php:409-452`). */
export interface V3Product {
  productId: string;
  name?: string;
  mainCategory?: string;
  categories?: string[];
  description?: string;
  productUrl?: string;
  mainImageUrl?: string;
  imageUrls?: string[];
  available?: boolean;
  active?: boolean;
  quantity?: number;
  price?: number;
  discountPrice?: number;
  customDetails?: Record<string, string>;
  /** Fields to clear, e.g. a discount that ended (ProductEntity.php:457-468). */
  setAsNull?: string[];
}

export interface V3Problem {
  reasonCode: number;
  message: string;
}

/** A failed v3 call, with SALESmanago's reason codes (none for a timeout or a network error). */
export class SalesmanagoV3Error extends SalesmanagoError {
  reasonCodes: number[];

  constructor(kind: FailureKind, problems: V3Problem[], details: ConstructorParameters<typeof SalesmanagoError>[2] = {}) {
    super(
      kind,
      problems.map((p) => (p.reasonCode ? `reasonCode ${p.reasonCode}: ${p.message}` : p.message)),
      details,
    );
    this.name = 'SalesmanagoV3Error';
    this.reasonCodes = problems.map((p) => p.reasonCode).filter((c) => c > 0);
  }
}

export interface V3Reply {
  body: Record<string, unknown>;
  /** Warnings of a stored request (reason 12). */
  warnings: V3Problem[];
}

/**
 * Reads a v3 answer as the SDK does: the failures (every reason but 12) and the warnings. Exported for
 * tests; the two shapes are `{messages, reasonCode}` and `{problems: [...]}`.
 */
function readProblems(body: Record<string, unknown>): { failures: V3Problem[]; warnings: V3Problem[] } {
  const failures: V3Problem[] = [];
  const warnings: V3Problem[] = [];
  const code = Number(body.reasonCode);
  const messages = body.messages;
  if (messages !== undefined && messages !== null && messages !== '' && code) {
    const list = Array.isArray(messages) ? messages.map(String) : [String(messages)];
    (code === REASON_TRIMMED ? warnings : failures).push({ reasonCode: code, message: list.join(', ') });
  }
  if (Array.isArray(body.problems)) {
    for (const p of body.problems) {
      const problem = { reasonCode: Number((p as V3Problem)?.reasonCode) || 0, message: String((p as V3Problem)?.message ?? '') };
      (problem.reasonCode === REASON_TRIMMED ? warnings : failures).push(problem);
    }
  }
  return { failures, warnings };
}

export class SalesmanagoV3Client {
  readonly #config: V3Config;
  readonly #fetch: typeof fetch;

  constructor(config: V3Config, fetcher?: typeof fetch) {
    this.#config = config;
    this.#fetch = fetcher ?? ((input, init) => fetch(input, init));
  }

  async listCatalogs(): Promise<{ catalogs: V3Catalog[]; max: number | null }> {
    const { body } = await this.#call('GET', V3_PATHS.catalogList);
    const catalogs = Array.isArray(body.catalogs) ? body.catalogs.flatMap((c) => (readCatalog(c) ? [readCatalog(c)!] : [])) : [];
    const limits = body.limits as { max?: unknown } | undefined;
    return { catalogs, max: typeof limits?.max === 'number' ? limits.max : null };
  }

  /** Creates a catalog; answers its id (the plugin reads `catalogId`: `Admin/Controller/ProductCatalogController.php:187-190`). */
  async createCatalog(catalog: { name: string; currency: string; location: string }): Promise<string> {
    const { body } = await this.#call('POST', V3_PATHS.catalogUpsert, { ...catalog, setAsDefault: false });
    if (typeof body.catalogId !== 'string' || !body.catalogId) {
      throw new SalesmanagoV3Error('permanent', [{ reasonCode: 0, message: 'catalogUpsert answered without a catalogId' }], { path: V3_PATHS.catalogUpsert });
    }
    return body.catalogId;
  }

  upsertProducts(catalogId: string, products: V3Product[]): Promise<V3Reply> {
    return this.#call('POST', V3_PATHS.upsert, { catalogId, products });
  }

  /** Only `productId` and `quantity` (ProductsModel.php:85). */
  updateQuantities(catalogId: string, products: { productId: string; quantity: number }[]): Promise<V3Reply> {
    return this.#call('POST', V3_PATHS.updateQuantity, { catalogId, products });
  }

  /** Only `productId`, `price` and `discountPrice` (ProductsModel.php:188; SDK 3.7+). */
  updatePrices(catalogId: string, products: { productId: string; price: number; discountPrice?: number }[]): Promise<V3Reply> {
    return this.#call('POST', V3_PATHS.updatePrice, { catalogId, products });
  }

  async #call(method: 'GET' | 'POST', path: string, body?: object): Promise<V3Reply> {
    const config = this.#config;
    const clean = (text: string) => redact(text, [config.apiKey]);
    const signal = AbortSignal.timeout(config.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(config.endpoint + path, {
        method,
        headers: { Accept: 'application/json', 'Content-Type': 'application/json;charset=UTF-8', 'API-KEY': config.apiKey },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal,
        redirect: 'manual',
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted)
        throw new SalesmanagoV3Error('transient', [{ reasonCode: 0, message: `no answer within ${config.timeoutMs} ms (timeout)` }], {
          path,
          maybeStored: true,
        });
      const said = clean(err instanceof Error ? err.message : String(err));
      throw new SalesmanagoV3Error('transient', [{ reasonCode: 0, message: `network error: ${said}` }], { path, maybeStored: true });
    }
    const reply = parseObject(text);
    const { failures, warnings } = reply ? readProblems(reply) : { failures: [], warnings: [] };
    const cleaned = failures.map((f) => ({ ...f, message: clean(f.message) }));
    const statusKind = kindOfStatus(res.status);
    if (statusKind || cleaned.length > 0) {
      // A wrong or revoked key fails every call alike: kept for a retry once it is fixed, not failed.
      const kind: FailureKind = statusKind === 'transient' || cleaned.some((f) => f.reasonCode === REASON_AUTH) ? 'transient' : 'permanent';
      const retryAfterS = statusKind === 'transient' ? parseRetryAfter(res.headers.get('Retry-After')) : undefined;
      throw new SalesmanagoV3Error(kind, cleaned.length > 0 ? cleaned : [{ reasonCode: 0, message: `HTTP ${res.status}` }], {
        status: res.status,
        path,
        maybeStored: res.status >= 500,
        ...(retryAfterS !== undefined ? { retryAfterS } : {}),
      });
    }
    if (res.status >= 300) {
      throw new SalesmanagoV3Error('transient', [{ reasonCode: 0, message: `the endpoint redirects: set SALESMANAGO_API_V3_ENDPOINT to the final address` }], {
        status: res.status,
        path,
      });
    }
    if (!reply)
      throw new SalesmanagoV3Error('transient', [{ reasonCode: 0, message: 'malformed reply: not a JSON object' }], {
        status: res.status,
        path,
        maybeStored: true,
      });
    return { body: reply, warnings };
  }
}

function readCatalog(value: unknown): V3Catalog | null {
  if (typeof value !== 'object' || value === null) return null;
  const c = value as Record<string, unknown>;
  // The SDK's entity takes catalogId or id (`Entity/Api/V3/CatalogEntity.php:66-99`).
  const catalogId = typeof c.catalogId === 'string' ? c.catalogId : typeof c.id === 'string' ? c.id : null;
  if (!catalogId) return null;
  return {
    catalogId,
    name: typeof c.name === 'string' ? c.name : typeof c.catalogName === 'string' ? c.catalogName : '',
    ...(typeof c.currency === 'string' ? { currency: c.currency } : {}),
    ...(typeof c.location === 'string' ? { location: c.location } : {}),
    ...(typeof c.setAsDefault === 'boolean' ? { setAsDefault: c.setAsDefault } : {}),
  };
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
