// The account's product catalogs, for /setup: list them, create one, and say whether the linked one
// agrees with the events' location (a catalog and the events that name its products must share a
// location: reference §11, the plugin builds its catalog with the configured location,
// `src/Admin/Model/ProductCatalogModel.php:70-74`). Each answer is a result, never a throw: the page shows it.
import type { Config } from '../config.ts';
import { latestCurrency } from '../ledger/catalog-products.ts';
import { SalesmanagoV3Client, type V3Catalog } from '../salesmanago/v3.ts';
import type { D1Reader } from '../ledger/sessions.ts';

/** The page must not hang on SALESmanago: a short timeout of its own. */
const SETUP_TIMEOUT_MS = 8_000;

export type CatalogList =
  | { ok: true; catalogs: V3Catalog[]; max: number | null; linked: V3Catalog | null; locationMismatch: boolean }
  | { ok: false; error: string };

function client(config: Config, fetcher?: typeof fetch): SalesmanagoV3Client | null {
  const { apiKey, endpoint } = config.catalog;
  return apiKey ? new SalesmanagoV3Client({ endpoint, apiKey, timeoutMs: Math.min(SETUP_TIMEOUT_MS, config.catalog.timeoutMs) }, fetcher) : null;
}

export async function listCatalogs(config: Config, fetcher?: typeof fetch): Promise<CatalogList | null> {
  const v3 = client(config, fetcher);
  if (!v3) return null;
  try {
    const { catalogs, max } = await v3.listCatalogs();
    const linked = catalogs.find((c) => c.catalogId === config.catalog.catalogId) ?? null;
    return { ok: true, catalogs, max, linked, locationMismatch: linked !== null && linked.location !== undefined && linked.location !== config.location };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Creates a catalog with the shop's currency and the events' location; answers its id. */
export async function createCatalog(
  config: Config,
  input: { name: string; currency: string },
  fetcher?: typeof fetch,
): Promise<{ ok: true; catalogId: string } | { ok: false; error: string }> {
  const v3 = client(config, fetcher);
  if (!v3) return { ok: false, error: 'SALESMANAGO_API_V3_KEY is not set' };
  const name = input.name.trim().slice(0, 255);
  const currency = input.currency.trim().toUpperCase();
  if (!name) return { ok: false, error: 'name: is required' };
  if (!/^[A-Z]{3}$/.test(currency)) return { ok: false, error: 'currency: must be a 3-letter currency code, e.g. PLN' };
  if (!config.location) return { ok: false, error: "SALESMANAGO_LOCATION: is not set (the catalog takes the events' location)" };
  try {
    return { ok: true, catalogId: await v3.createCatalog({ name, currency, location: config.location }) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The currency to suggest for a new catalog: the one of the products accepted last, else PLN. */
export async function suggestedCurrency(db: D1Reader): Promise<string> {
  return (await latestCurrency(db).catch(() => null)) ?? 'PLN';
}
