// Reads the worker's configuration and names every problem in it. Nothing here throws: a
// misconfigured worker keeps accepting and queueing events (docs/contracts.md), and /health and /setup
// show what to fix.
import type { Env } from './env.ts';
import { LOCATION_RULE } from './salesmanago/limits.ts';
import type { SalesmanagoConfig } from './salesmanago/types.ts';
import { publicPathProblem, publicPrefix } from './shop/public-path.ts';
import { shopDomains } from './shop/origin.ts';
import { isPublicSuffix } from './shop/public-suffix.ts';
import { cartTemplateProblem } from './shop/cart-url.ts';

export interface ConfigProblem {
  name: string;
  problem: string;
}

/** Days each kind of ledger row is kept (docs/operations.md "Retention"; delivery/retention.ts prunes). */
export interface RetentionDays {
  delivered: number;
  held: number;
  links: number;
  counters: number;
  /** Proof of a withdrawn consent, after the withdrawal (consent/proof.ts, docs/privacy.md). */
  consentProof: number;
}

/** Each retention setting: its default and the safe bounds a value is clamped to. */
export const RETENTION_SETTINGS = {
  RETENTION_DELIVERED_DAYS: { key: 'delivered', default: 30, min: 1, max: 365 },
  // Held events wait at most 30 days for their visitor to be identified (delivery/state.ts HELD_FOR_MS).
  RETENTION_HELD_DAYS: { key: 'held', default: 30, min: 1, max: 30 },
  RETENTION_LINKS_DAYS: { key: 'links', default: 30, min: 1, max: 365 },
  RETENTION_COUNTERS_DAYS: { key: 'counters', default: 400, min: 31, max: 1000 },
  // Three years: the limitation period of claims between a shop and a consumer (Polish Civil Code
  // art. 118), during which the shop may have to prove a consent (docs/privacy.md "Retention").
  RETENTION_CONSENT_PROOF_DAYS: { key: 'consentProof', default: 1095, min: 30, max: 3650 },
} as const;

export type RetentionSetting = keyof typeof RETENTION_SETTINGS;

/** Reads the retention settings; a value outside its bounds is clamped, and named as a problem. */
export function readRetention(env: Partial<Record<RetentionSetting, string>>, problems: ConfigProblem[] = []): RetentionDays {
  const out = {} as RetentionDays;
  for (const [name, s] of Object.entries(RETENTION_SETTINGS) as [RetentionSetting, (typeof RETENTION_SETTINGS)[RetentionSetting]][]) {
    const value = text(env[name]);
    let days: number = s.default;
    if (value !== '') {
      const n = Number(value);
      if (!Number.isInteger(n)) problems.push({ name, problem: `must be a whole number of days (${s.min} to ${s.max}); using ${s.default}` });
      else if (n < s.min || n > s.max) {
        days = Math.min(s.max, Math.max(s.min, n));
        problems.push({ name, problem: `must be from ${s.min} to ${s.max} days; using ${days}` });
      } else days = n;
    }
    out[s.key] = days;
  }
  return out;
}

/** SALESmanago API v3, the product catalog (docs/catalog.md). */
export interface CatalogConfig {
  /** Base URL of API v3, no trailing slash (default https://api.salesmanago.com). */
  endpoint: string;
  /** The API-KEY header; null when SALESMANAGO_API_V3_KEY is not set. */
  apiKey: string | null;
  /** SALESMANAGO_CATALOG_ID; null until a catalog is chosen (or created) on /setup. */
  catalogId: string | null;
  timeoutMs: number;
}

export const DEFAULT_API_V3_ENDPOINT = 'https://api.salesmanago.com';

export interface Config {
  salesmanago: SalesmanagoConfig | null;
  catalog: CatalogConfig;
  location: string;
  shopDomains: string[];
  shopApiSecret: string | null;
  callbackSecret: string | null;
  adminPassword: string | null;
  tags: {
    registration: string[];
    newsletter: string[];
    purchaseLoggedIn: string[];
    purchaseGuest: string[];
    /** TAGS_LOGIN: a shop contact posted with trigger "login". */
    login: string[];
  };
  doubleOptIn: { enabled: boolean; emailId?: string; language?: string };
  /** BROWSER_SIGNUP_OPT_IN: a browser newsletter signup without double opt-in forces an opt-in (default off). */
  browserSignupOptIn: boolean;
  retention: RetentionDays;
  /** WORKER_URL: the worker's public base URL, from which the setup page builds the callback URLs. */
  workerUrl: string | null;
  shopWebhookUrl: string | null;
  /** First retry delay of a transient delivery failure, in seconds. */
  retryBaseS: number;
  /** Shop platform webhooks (worker/platforms); a platform whose secret is unset refuses its deliveries. */
  platforms: PlatformsConfig;
  /** The consent mode the setup page puts into the snippet (SNIPPET_CONSENT). */
  snippetConsent: 'required' | 'none';
  /** PUBLIC_PATH_PREFIX when usable, else '' (off, or invalid: named in problems). */
  publicPathPrefix: string;
  /** Cart-recovery links: CART_RECOVERY_URL when usable (else null: no links), CART_RECOVERY_DAYS. */
  cartRecovery: CartRecoveryConfig;
  problems: ConfigProblem[];
}

export interface CartRecoveryConfig {
  template: string | null;
  days: number;
}

/** CART_RECOVERY_DAYS: default, and the bounds a value is clamped to. */
export const CART_RECOVERY_DAYS = { default: 30, min: 1, max: 365 } as const;

export interface PlatformsConfig {
  woocommerce: { secret: string | null; purchaseOnHold: boolean; newsletterMetaKey: string | null };
  shopify: { secret: string | null; shopDomain: string | null; purchaseOnCreate: boolean };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// SALESmanago location: the official plugin's rule, mixed case allowed, 3 to 36 characters
// (plugin 3.11.1 `salesmanago/src/Admin/Model/AdminModel.php:1031`), so a merchant moving from the
// plugin keeps its location (the plugin's default is "sm_" + md5 of the shop URL).
export const LOCATION = LOCATION_RULE;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function text(value: string | undefined): string {
  return (value ?? '').trim();
}

export function tagList(value: string | undefined): string[] {
  // Tags are upper-cased with spaces as "_", as SALESmanago's own library normalises them.
  return text(value)
    .split(',')
    .map((t) => t.trim().toUpperCase().replace(/\s+/g, '_'))
    .filter((t) => t.length > 0);
}

function endpointProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL (expected e.g. https://app3.salesmanago.com)';
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    return 'must use https';
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    return 'must be the base URL only, without a path (e.g. https://app3.salesmanago.com)';
  }
  return null;
}

export function readConfig(env: Env): Config {
  const problems: ConfigProblem[] = [];
  const need = (name: keyof Env, check?: (v: string) => string | null): string | null => {
    const value = text(env[name] as string | undefined);
    if (!value) {
      problems.push({ name, problem: 'is not set' });
      return null;
    }
    const problem = check?.(value) ?? null;
    if (problem) {
      problems.push({ name, problem });
      return null;
    }
    return value;
  };

  const endpoint = need('SALESMANAGO_ENDPOINT', endpointProblem);
  const clientId = need('SALESMANAGO_CLIENT_ID', (v) =>
    /^[a-z0-9]{4,40}$/i.test(v) ? null : 'must be the short client ID from SALESmanago (letters and digits)',
  );
  const apiSecret = need('SALESMANAGO_API_SECRET', (v) =>
    v.length >= 8 ? null : 'is too short to be an API secret',
  );
  const owner = need('SALESMANAGO_OWNER', (v) => (EMAIL.test(v) ? null : 'must be an e-mail address'));

  const locationValue = text(env.SALESMANAGO_LOCATION);
  let location = '';
  if (locationValue) {
    if (LOCATION.test(locationValue)) location = locationValue;
    else
      problems.push({
        name: 'SALESMANAGO_LOCATION',
        problem: 'must start with a letter or "_", then letters, digits or "_", 3 to 36 characters',
      });
  }

  // The one parser of SHOP_DOMAINS, so that the origin check and /health read the same list.
  // A public suffix ("com", "co.uk", "github.io") is named and left out: it would admit every site
  // under it as the shop (shop/public-suffix.ts).
  const listed = shopDomains(env.SHOP_DOMAINS);
  if (listed.length === 0) problems.push({ name: 'SHOP_DOMAINS', problem: 'is not set' });
  const domains: string[] = [];
  for (const d of listed) {
    if (!DOMAIN.test(d)) problems.push({ name: 'SHOP_DOMAINS', problem: `"${d}" is not a domain name` });
    if (isPublicSuffix(d)) {
      problems.push({ name: 'SHOP_DOMAINS', problem: `"${d}" is a public suffix, not a shop's domain (it would admit every site under it): ignored` });
    } else {
      domains.push(d);
    }
  }
  if (!location && domains[0]) location = defaultLocation(domains[0]);

  const secret = (name: 'SHOP_API_SECRET' | 'CALLBACK_SECRET' | 'ADMIN_PASSWORD', min: number) =>
    need(name, (v) => (v.length >= min ? null : `must be at least ${min} characters long`));
  const shopApiSecret = secret('SHOP_API_SECRET', 16);
  const callbackSecret = secret('CALLBACK_SECRET', 8);
  const adminPassword = secret('ADMIN_PASSWORD', 8);

  const doubleOptIn = text(env.DOUBLE_OPT_IN).toLowerCase() === 'true';
  const doiEmailId = text(env.DOUBLE_OPT_IN_EMAIL_ID);
  const doiLanguage = text(env.DOUBLE_OPT_IN_LANGUAGE);
  if (doubleOptIn && !doiEmailId)
    problems.push({ name: 'DOUBLE_OPT_IN_EMAIL_ID', problem: 'is required when DOUBLE_OPT_IN is true' });

  let shopWebhookUrl: string | null = text(env.SHOP_WEBHOOK_URL) || null;
  if (shopWebhookUrl && !/^https?:$/.test(safeUrl(shopWebhookUrl)?.protocol ?? '')) {
    problems.push({ name: 'SHOP_WEBHOOK_URL', problem: 'is not an http(s) URL' });
    shopWebhookUrl = null;
  }

  const platforms = readPlatforms(env, problems);

  const publicPath = publicPathProblem(env.PUBLIC_PATH_PREFIX);
  if (publicPath) problems.push({ name: 'PUBLIC_PATH_PREFIX', problem: publicPath });

  const snippetConsentValue = text(env.SNIPPET_CONSENT).toLowerCase();
  if (snippetConsentValue && snippetConsentValue !== 'required' && snippetConsentValue !== 'none')
    problems.push({ name: 'SNIPPET_CONSENT', problem: 'must be "required" or "none"' });

  // 30 s, as the official SDK (`Helper/ConnectionClients/cURLClient.php:16`): a shorter timeout turns
  // slow-but-stored calls into retries, i.e. duplicates.
  const timeoutMs = Number(text(env.SALESMANAGO_TIMEOUT_MS)) || 30_000;
  // In the order the fields are listed below, so that problems keep their order.
  const retention = readRetention(env, problems);
  const workerUrl = readWorkerUrl(env.WORKER_URL, problems);
  const cartRecovery = readCartRecovery(env, problems);
  // A recovery link needs an address: the worker's (WORKER_URL), or the shop's under PUBLIC_PATH_PREFIX.
  if (cartRecovery.template && !workerUrl && !publicPrefix(env.PUBLIC_PATH_PREFIX) && !problems.some((p) => p.name === 'WORKER_URL'))
    problems.push({ name: 'WORKER_URL', problem: 'is needed for cart-recovery links (CART_RECOVERY_URL), unless PUBLIC_PATH_PREFIX is set' });
  const retryBaseS = Math.max(1, Math.round(Number(text(env.DELIVERY_RETRY_BASE_S)) || 30));
  const catalog = readCatalog(env, timeoutMs, problems);
  return {
    catalog,
    salesmanago:
      endpoint && clientId && apiSecret && owner
        ? { endpoint: endpoint.replace(/\/$/, ''), clientId, apiSecret, owner, timeoutMs }
        : null,
    location,
    shopDomains: domains,
    shopApiSecret,
    callbackSecret,
    adminPassword,
    tags: {
      registration: tagList(env.TAGS_REGISTRATION),
      newsletter: tagList(env.TAGS_NEWSLETTER),
      purchaseLoggedIn: tagList(env.TAGS_PURCHASE_LOGGED_IN),
      purchaseGuest: tagList(env.TAGS_PURCHASE_GUEST),
      login: tagList(env.TAGS_LOGIN),
    },
    doubleOptIn: {
      enabled: doubleOptIn,
      ...(doiEmailId ? { emailId: doiEmailId } : {}),
      ...(doiLanguage ? { language: doiLanguage } : {}),
    },
    browserSignupOptIn: text(env.BROWSER_SIGNUP_OPT_IN).toLowerCase() === 'true',
    retention,
    workerUrl,
    shopWebhookUrl,
    retryBaseS,
    platforms,
    snippetConsent: snippetConsentValue === 'none' ? 'none' : 'required',
    publicPathPrefix: publicPrefix(env.PUBLIC_PATH_PREFIX),
    cartRecovery,
    problems,
  };
}

/**
 * The catalog's three values. All optional until products arrive: a key without a catalog (or the
 * reverse) is named, so /setup says what is missing; the endpoint falls back to v3's public host.
 */
function readCatalog(env: Env, timeoutMs: number, problems: ConfigProblem[]): CatalogConfig {
  let endpoint = text(env.SALESMANAGO_API_V3_ENDPOINT) || DEFAULT_API_V3_ENDPOINT;
  const endpointIssue = endpointProblem(endpoint);
  if (endpointIssue) {
    problems.push({ name: 'SALESMANAGO_API_V3_ENDPOINT', problem: endpointIssue.replace('https://app3.salesmanago.com', DEFAULT_API_V3_ENDPOINT) });
    endpoint = DEFAULT_API_V3_ENDPOINT;
  }
  const apiKey = text(env.SALESMANAGO_API_V3_KEY) || null;
  let catalogId = text(env.SALESMANAGO_CATALOG_ID) || null;
  if (catalogId && !/^[A-Za-z0-9-]{1,64}$/.test(catalogId)) {
    problems.push({ name: 'SALESMANAGO_CATALOG_ID', problem: 'must be the catalog id SALESmanago gave (letters, digits and "-")' });
    catalogId = null;
  }
  if (apiKey && !catalogId && !problems.some((p) => p.name === 'SALESMANAGO_CATALOG_ID')) {
    problems.push({ name: 'SALESMANAGO_CATALOG_ID', problem: 'is not set (choose or create a catalog on /setup)' });
  }
  if (catalogId && !apiKey) problems.push({ name: 'SALESMANAGO_API_V3_KEY', problem: 'is not set (Integration Center → API → API v3 in SALESmanago)' });
  return { endpoint: endpoint.replace(/\/$/, ''), apiKey, catalogId, timeoutMs };
}

function readPlatforms(env: Env, problems: ConfigProblem[]): PlatformsConfig {
  const flag = (value: string | undefined, fallback: boolean) => {
    const t = text(value).toLowerCase();
    return t === '' ? fallback : t === 'true';
  };
  const shopifySecret = text(env.SHOPIFY_WEBHOOK_SECRET) || null;
  let shopDomain: string | null = text(env.SHOPIFY_SHOP_DOMAIN).toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '') || null;
  if (shopDomain && !DOMAIN.test(shopDomain)) {
    problems.push({ name: 'SHOPIFY_SHOP_DOMAIN', problem: `"${shopDomain}" is not a domain name (expected e.g. my-shop.myshopify.com)` });
    shopDomain = null;
  } else if (shopifySecret && !shopDomain) {
    problems.push({ name: 'SHOPIFY_SHOP_DOMAIN', problem: 'is required when SHOPIFY_WEBHOOK_SECRET is set (the shop\'s my-shop.myshopify.com domain)' });
  }
  return {
    woocommerce: {
      secret: text(env.WOOCOMMERCE_WEBHOOK_SECRET) || null,
      purchaseOnHold: flag(env.WOOCOMMERCE_PURCHASE_ON_HOLD, false),
      newsletterMetaKey: text(env.WOOCOMMERCE_NEWSLETTER_META_KEY) || null,
    },
    shopify: { secret: shopifySecret, shopDomain, purchaseOnCreate: flag(env.SHOPIFY_PURCHASE_ON_CREATE, true) },
  };
}

function readCartRecovery(env: Env, problems: ConfigProblem[]): CartRecoveryConfig {
  const template = text(env.CART_RECOVERY_URL);
  const problem = cartTemplateProblem(template);
  if (problem) problems.push({ name: 'CART_RECOVERY_URL', problem });
  const daysText = text(env.CART_RECOVERY_DAYS);
  let days: number = CART_RECOVERY_DAYS.default;
  if (daysText) {
    const n = Number(daysText);
    const { min, max } = CART_RECOVERY_DAYS;
    if (!Number.isInteger(n)) problems.push({ name: 'CART_RECOVERY_DAYS', problem: `must be a whole number of days (${min} to ${max}); using ${days}` });
    else if (n < min || n > max) {
      days = Math.min(max, Math.max(min, n));
      problems.push({ name: 'CART_RECOVERY_DAYS', problem: `must be from ${min} to ${max} days; using ${days}` });
    } else days = n;
  }
  return { template: template && !problem ? template : null, days };
}

/** The worker's public origin (https, or http on localhost), or null when unset or malformed (named as a problem). */
function readWorkerUrl(value: string | undefined, problems: ConfigProblem[]): string | null {
  const raw = text(value);
  if (!raw) return null;
  const problem = endpointProblem(raw);
  if (problem) {
    problems.push({ name: 'WORKER_URL', problem: problem.replace('https://app3.salesmanago.com', 'https://sm-edge.example.workers.dev') });
    return null;
  }
  return new URL(raw).origin;
}

function safeUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** The location used when SALESMANAGO_LOCATION is empty: derived from the first shop domain. */
export function defaultLocation(domain: string): string {
  const slug = domain.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const base = /^[a-z_]/.test(slug) ? slug : `_${slug}`;
  return (base.length >= 3 ? base : `${base}___`).slice(0, 36);
}
