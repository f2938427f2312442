// Reads the worker's configuration and names every problem in it. Nothing here throws: a
// misconfigured worker keeps accepting and queueing events (docs/contracts.md), and /health and /setup
// show what to fix.
import { LOCATION_RULE } from './salesmanago/limits.ts';
import type { SalesmanagoConfig } from './salesmanago/types.ts';
import { publicPathProblem, publicPrefix } from './shop/public-path.ts';
import { shopDomains } from './shop/origin.ts';
import { isPublicSuffix } from './shop/public-suffix.ts';
import { cartTemplateProblem } from './shop/cart-url.ts';

/**
 * Every configuration name the worker reads: wrangler's vars and secrets, merged with the settings
 * saved on /setup (settings/merge.ts). Env carries them as raw text (ConfigVars, below); only this
 * module and settings/ read them (test/architecture/config.test.ts), everything else reads Config.
 */
export const CONFIG_NAMES = [
  // SALESmanago API v1 (the account), and API v3 for the product catalog (docs/catalog.md).
  'SALESMANAGO_ENDPOINT',
  'SALESMANAGO_CLIENT_ID',
  'SALESMANAGO_API_SECRET',
  'SALESMANAGO_OWNER',
  'SALESMANAGO_LOCATION',
  'SALESMANAGO_API_V3_KEY',
  'SALESMANAGO_CATALOG_ID',
  'SALESMANAGO_API_V3_ENDPOINT',
  'SHOP_DOMAINS',
  'SHOP_API_SECRET',
  'CALLBACK_SECRET',
  'ADMIN_PASSWORD',
  'TAGS_REGISTRATION',
  'TAGS_NEWSLETTER',
  'TAGS_PURCHASE_LOGGED_IN',
  'TAGS_PURCHASE_GUEST',
  'TAGS_LOGIN',
  'DOUBLE_OPT_IN',
  'DOUBLE_OPT_IN_EMAIL_ID',
  'DOUBLE_OPT_IN_LANGUAGE',
  // "true" lets an unverified browser newsletter signup force an opt-in without double opt-in.
  'BROWSER_SIGNUP_OPT_IN',
  // Retention in days (docs/operations.md "Retention"; bounds in RETENTION_SETTINGS).
  'RETENTION_DELIVERED_DAYS',
  'RETENTION_HELD_DAYS',
  'RETENTION_LINKS_DAYS',
  'RETENTION_COUNTERS_DAYS',
  'RETENTION_CONSENT_PROOF_DAYS',
  // The worker's public base URL: the setup page builds the callback URLs from it, not from the Host header.
  'WORKER_URL',
  'SHOP_WEBHOOK_URL',
  // Shop platforms (worker/platforms, docs/platforms.md "Shop platforms").
  'WOOCOMMERCE_WEBHOOK_SECRET',
  'WOOCOMMERCE_PURCHASE_ON_HOLD',
  'WOOCOMMERCE_NEWSLETTER_META_KEY',
  'SHOPIFY_WEBHOOK_SECRET',
  'SHOPIFY_SHOP_DOMAIN',
  'SHOPIFY_PURCHASE_ON_CREATE',
  // Reconciliation pulls and refund lines (platforms/reconcile.ts, platforms/refund-lines.ts).
  'WOOCOMMERCE_URL',
  'WOOCOMMERCE_CONSUMER_KEY',
  'WOOCOMMERCE_CONSUMER_SECRET',
  'SHOPIFY_ADMIN_TOKEN',
  // Cart-recovery links (docs/import-and-recovery.md).
  'CART_RECOVERY_URL',
  'CART_RECOVERY_DAYS',
  // First-party mode: the path (e.g. "/_e") under which /s.js and /e are served too.
  'PUBLIC_PATH_PREFIX',
  // The snippet's consent mode shown on the setup page, "required" or "none".
  'SNIPPET_CONSENT',
  // Wrangler only (never on /setup): the rules of the first four are WRANGLER_ONLY below.
  'SALESMANAGO_TIMEOUT_MS',
  'DELIVERY_RETRY_BASE_S',
  'DELIVERY_WINDOW_S',
  'DELIVERY_SHARDS',
  // Benchmarks only: "true" enables the floor routes (routes/floor.ts).
  'BENCH_FLOOR',
  // Secret: the key that encrypts secrets saved on the setup page, else ADMIN_PASSWORD (settings/crypto.ts).
  'SETTINGS_KEY',
] as const;

export type ConfigName = (typeof CONFIG_NAMES)[number];

/** The raw text of each configuration name, as Env carries it (env.ts): what readConfig parses. */
export type ConfigVars = { [Name in ConfigName]?: string };

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

type RetentionSetting = keyof typeof RETENTION_SETTINGS;

/** Reads the retention settings; a value outside its bounds is clamped, and named as a problem. */
function readRetention(env: Partial<Record<RetentionSetting, string>>, problems: ConfigProblem[] = []): RetentionDays {
  const out = {} as RetentionDays;
  for (const [name, s] of Object.entries(RETENTION_SETTINGS) as [RetentionSetting, (typeof RETENTION_SETTINGS)[RetentionSetting]][]) {
    out[s.key] = readWhole(name, env[name], { ...s, unit: 'days' }, problems);
  }
  return out;
}

/** A whole number setting: its default, the bounds a value is clamped to, and the unit its messages name. */
interface WholeRule {
  default: number;
  min: number;
  max: number;
  unit: 'days' | 'seconds' | 'milliseconds' | 'queues';
}

/**
 * The one parser of every whole-number setting: empty is the default; a value that is not a whole
 * number is named and replaced by the default; one outside the bounds is named and clamped.
 */
function readWhole(name: string, value: string | undefined, rule: WholeRule, problems: ConfigProblem[]): number {
  const raw = text(value);
  if (raw === '') return rule.default;
  const n = Number(raw);
  const { min, max, unit } = rule;
  if (!Number.isInteger(n)) {
    problems.push({ name, problem: `must be a whole number of ${unit} (${min} to ${max}); using ${rule.default}` });
    return rule.default;
  }
  if (n < min || n > max) {
    const used = Math.min(max, Math.max(min, n));
    problems.push({ name, problem: `must be from ${min} to ${max} ${unit}; using ${used}` });
    return used;
  }
  return n;
}

/**
 * The configuration names that only wrangler sets (vars; never on /setup): operators' and benchmarks'
 * knobs. Each one's rule is here, so a wrong value is named on /health and in deploy:check like any
 * other, instead of being clamped silently where it is used.
 */
const WRANGLER_ONLY = {
  // 30 s, as the official SDK (`Helper/ConnectionClients/cURLClient.php:16`): a shorter timeout turns
  // slow-but-stored calls into retries, i.e. duplicates. Event adds wait 3 × this and their one re-send
  // 6 × this (delivery/consumer.ts), so 2 min keeps that inside a consumer run's 15 min.
  SALESMANAGO_TIMEOUT_MS: { default: 30_000, min: 100, max: 120_000, unit: 'milliseconds' },
  // The first retry delay; it doubles up to 120 × this, at most 1 h (delivery/backoff.ts).
  DELIVERY_RETRY_BASE_S: { default: 30, min: 1, max: 3600, unit: 'seconds' },
  // The accumulator's window (delivery/accumulator.ts): 0 turns it off; at most 5 min of waiting.
  DELIVERY_WINDOW_S: { default: 10, min: 0, max: 300, unit: 'seconds' },
  // Delivery queues used, by contact (queue/shards.ts): at most the EVENTS_<i> bindings wrangler.toml declares.
  DELIVERY_SHARDS: { default: 1, min: 1, max: 8, unit: 'queues' },
} as const satisfies Record<string, WholeRule>;

/**
 * On by default since the delay benchmark under faults (5b) meets its goal with it (docs/performance.md
 * "Performance"): its 76 % within 60 s was one unanswered add of the whole 300-order flush, whose
 * events then waited the 15-30 s backoff (run.ts UNCONFIRMED_RETRY_S).
 */
export const DEFAULT_WINDOW_S = WRANGLER_ONLY.DELIVERY_WINDOW_S.default;

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

const DEFAULT_API_V3_ENDPOINT = 'https://api.salesmanago.com';

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
  /** First retry delay of a transient delivery failure, in seconds (DELIVERY_RETRY_BASE_S). */
  retryBaseS: number;
  /** Seconds a small batch may wait in the ledger for more (DELIVERY_WINDOW_S; 0 = off). */
  deliveryWindowS: number;
  /** Queues delivery is sharded over by contact (DELIVERY_SHARDS, queue/shards.ts; default 1). */
  deliveryShards: number;
  /** BENCH_FLOOR: the benchmarks' floor routes exist (routes/floor.ts). Never in production. */
  benchFloor: boolean;
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

interface CartRecoveryConfig {
  template: string | null;
  days: number;
}

/** CART_RECOVERY_DAYS: default, and the bounds a value is clamped to. */
export const CART_RECOVERY_DAYS = { default: 30, min: 1, max: 365 } as const;

export interface PlatformsConfig {
  woocommerce: { secret: string | null; purchaseOnHold: boolean; newsletterMetaKey: string | null; api: WooApiConfig | null };
  shopify: { secret: string | null; shopDomain: string | null; purchaseOnCreate: boolean; adminToken: string | null };
}

/** WooCommerce's REST API with a read-only key: reconciliation pulls and refund lines (platforms/). */
export interface WooApiConfig {
  /** The shop's base URL, without a trailing slash (the API is under `<url>/wp-json/wc/v3/`). */
  url: string;
  key: string;
  secret: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// SALESmanago location: the official plugin's rule, mixed case allowed, 3 to 36 characters
// (plugin 3.11.1 `salesmanago/src/Admin/Model/AdminModel.php:1031`), so a merchant moving from the
// plugin keeps its location (the plugin's default is "sm_" + md5 of the shop URL).
const LOCATION = LOCATION_RULE;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function text(value: string | undefined): string {
  return (value ?? '').trim();
}

function tagList(value: string | undefined): string[] {
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

/** The shortest secret each secret name accepts: a weaker one authenticates nothing, so it counts as unset. */
export const SECRET_MIN_LENGTH = { SHOP_API_SECRET: 16, CALLBACK_SECRET: 8, ADMIN_PASSWORD: 8 } as const;

const atLeast = (min: number) => (v: string) => (v.length >= min ? null : `must be at least ${min} characters long`);

/**
 * The names without which the worker cannot deliver or authenticate, each with its format rule and
 * message: unset is named "is not set", a value its rule refuses is named with the rule's message,
 * and either way the value counts as unset.
 */
const REQUIRED = {
  SALESMANAGO_ENDPOINT: endpointProblem,
  SALESMANAGO_CLIENT_ID: (v: string) => (/^[a-z0-9]{4,40}$/i.test(v) ? null : 'must be the short client ID from SALESmanago (letters and digits)'),
  SALESMANAGO_API_SECRET: (v: string) => (v.length >= 8 ? null : 'is too short to be an API secret'),
  SALESMANAGO_OWNER: (v: string) => (EMAIL.test(v) ? null : 'must be an e-mail address'),
  SHOP_API_SECRET: atLeast(SECRET_MIN_LENGTH.SHOP_API_SECRET),
  CALLBACK_SECRET: atLeast(SECRET_MIN_LENGTH.CALLBACK_SECRET),
  ADMIN_PASSWORD: atLeast(SECRET_MIN_LENGTH.ADMIN_PASSWORD),
} as const satisfies Partial<Record<ConfigName, (value: string) => string | null>>;

type RequiredName = keyof typeof REQUIRED;

export function readConfig(env: ConfigVars): Config {
  const problems: ConfigProblem[] = [];
  const need = (name: RequiredName): string | null => {
    const value = text(env[name]);
    if (!value) {
      problems.push({ name, problem: 'is not set' });
      return null;
    }
    const problem = REQUIRED[name](value);
    if (problem) {
      problems.push({ name, problem });
      return null;
    }
    return value;
  };

  const endpoint = need('SALESMANAGO_ENDPOINT');
  const clientId = need('SALESMANAGO_CLIENT_ID');
  const apiSecret = need('SALESMANAGO_API_SECRET');
  const owner = need('SALESMANAGO_OWNER');

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

  const shopApiSecret = need('SHOP_API_SECRET');
  const callbackSecret = need('CALLBACK_SECRET');
  const adminPassword = need('ADMIN_PASSWORD');

  const doubleOptIn = text(env.DOUBLE_OPT_IN).toLowerCase() === 'true';
  const doiEmailId = text(env.DOUBLE_OPT_IN_EMAIL_ID);
  const doiLanguage = text(env.DOUBLE_OPT_IN_LANGUAGE);
  if (doubleOptIn && !doiEmailId) problems.push({ name: 'DOUBLE_OPT_IN_EMAIL_ID', problem: 'is required when DOUBLE_OPT_IN is true' });

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

  // In the order the fields are listed below, so that problems keep their order.
  const retention = readRetention(env, problems);
  const workerUrl = readWorkerUrl(env.WORKER_URL, problems);
  const cartRecovery = readCartRecovery(env, problems);
  // A recovery link needs an address: the worker's (WORKER_URL), or the shop's under PUBLIC_PATH_PREFIX.
  if (cartRecovery.template && !workerUrl && !publicPrefix(env.PUBLIC_PATH_PREFIX) && !problems.some((p) => p.name === 'WORKER_URL'))
    problems.push({ name: 'WORKER_URL', problem: 'is needed for cart-recovery links (CART_RECOVERY_URL), unless PUBLIC_PATH_PREFIX is set' });
  // The wrangler-only knobs are named after everything /setup shows, so that the page's problems keep their order.
  const knobs: ConfigProblem[] = [];
  const timeoutMs = readWhole('SALESMANAGO_TIMEOUT_MS', env.SALESMANAGO_TIMEOUT_MS, WRANGLER_ONLY.SALESMANAGO_TIMEOUT_MS, knobs);
  const retryBaseS = readWhole('DELIVERY_RETRY_BASE_S', env.DELIVERY_RETRY_BASE_S, WRANGLER_ONLY.DELIVERY_RETRY_BASE_S, knobs);
  const deliveryWindowS = readWhole('DELIVERY_WINDOW_S', env.DELIVERY_WINDOW_S, WRANGLER_ONLY.DELIVERY_WINDOW_S, knobs);
  const deliveryShards = readWhole('DELIVERY_SHARDS', env.DELIVERY_SHARDS, WRANGLER_ONLY.DELIVERY_SHARDS, knobs);
  const catalog = readCatalog(env, timeoutMs, problems);
  problems.push(...knobs);
  return {
    catalog,
    salesmanago: endpoint && clientId && apiSecret && owner ? { endpoint: endpoint.replace(/\/$/, ''), clientId, apiSecret, owner, timeoutMs } : null,
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
    deliveryWindowS,
    deliveryShards,
    benchFloor: text(env.BENCH_FLOOR) === 'true',
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
function readCatalog(env: ConfigVars, timeoutMs: number, problems: ConfigProblem[]): CatalogConfig {
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

function readPlatforms(env: ConfigVars, problems: ConfigProblem[]): PlatformsConfig {
  const flag = (value: string | undefined, fallback: boolean) => {
    const t = text(value).toLowerCase();
    return t === '' ? fallback : t === 'true';
  };
  const shopifySecret = text(env.SHOPIFY_WEBHOOK_SECRET) || null;
  let shopDomain: string | null =
    text(env.SHOPIFY_SHOP_DOMAIN)
      .toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/+$/, '') || null;
  if (shopDomain && !DOMAIN.test(shopDomain)) {
    problems.push({ name: 'SHOPIFY_SHOP_DOMAIN', problem: `"${shopDomain}" is not a domain name (expected e.g. my-shop.myshopify.com)` });
    shopDomain = null;
  } else if (shopifySecret && !shopDomain) {
    problems.push({ name: 'SHOPIFY_SHOP_DOMAIN', problem: "is required when SHOPIFY_WEBHOOK_SECRET is set (the shop's my-shop.myshopify.com domain)" });
  }
  const adminToken = text(env.SHOPIFY_ADMIN_TOKEN) || null;
  if (adminToken && !shopDomain && !problems.some((p) => p.name === 'SHOPIFY_SHOP_DOMAIN')) {
    problems.push({ name: 'SHOPIFY_SHOP_DOMAIN', problem: "is required when SHOPIFY_ADMIN_TOKEN is set (the shop's my-shop.myshopify.com domain)" });
  }
  return {
    woocommerce: {
      secret: text(env.WOOCOMMERCE_WEBHOOK_SECRET) || null,
      purchaseOnHold: flag(env.WOOCOMMERCE_PURCHASE_ON_HOLD, false),
      newsletterMetaKey: text(env.WOOCOMMERCE_NEWSLETTER_META_KEY) || null,
      api: readWooApi(env, problems),
    },
    shopify: { secret: shopifySecret, shopDomain, purchaseOnCreate: flag(env.SHOPIFY_PURCHASE_ON_CREATE, true), adminToken },
  };
}

/** All three WooCommerce REST settings, or none: one alone is named as a problem. */
function readWooApi(env: ConfigVars, problems: ConfigProblem[]): WooApiConfig | null {
  const url = text(env.WOOCOMMERCE_URL).replace(/\/+$/, '');
  const key = text(env.WOOCOMMERCE_CONSUMER_KEY);
  const secret = text(env.WOOCOMMERCE_CONSUMER_SECRET);
  if (!url && !key && !secret) return null;
  let ok = true;
  if (url && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i.test(url)) {
    problems.push({ name: 'WOOCOMMERCE_URL', problem: "must be the shop's address, e.g. https://shop.example.com" });
    ok = false;
  }
  for (const [name, value] of [
    ['WOOCOMMERCE_URL', url],
    ['WOOCOMMERCE_CONSUMER_KEY', key],
    ['WOOCOMMERCE_CONSUMER_SECRET', secret],
  ] as const) {
    if (!value) {
      problems.push({ name, problem: 'is required with the other WooCommerce REST API settings (reconciliation and refund lines)' });
      ok = false;
    }
  }
  return ok ? { url, key, secret } : null;
}

function readCartRecovery(env: ConfigVars, problems: ConfigProblem[]): CartRecoveryConfig {
  const template = text(env.CART_RECOVERY_URL);
  const problem = cartTemplateProblem(template);
  if (problem) problems.push({ name: 'CART_RECOVERY_URL', problem });
  const days = readWhole('CART_RECOVERY_DAYS', env.CART_RECOVERY_DAYS, { ...CART_RECOVERY_DAYS, unit: 'days' }, problems);
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
function defaultLocation(domain: string): string {
  const slug = domain.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const base = /^[a-z_]/.test(slug) ? slug : `_${slug}`;
  return (base.length >= 3 ? base : `${base}___`).slice(0, 36);
}
