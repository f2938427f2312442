// Reads the worker's configuration and names every problem in it. No value makes it throw: a
// misconfigured worker keeps accepting and queueing events (docs/contracts.md), and /health and /setup
// show what to fix. A setting's own rule (required with its format, a whole number with its bounds)
// is written on its entry in settings/fields.ts and applied here; what is left here is how the
// settings combine (lists, flags, one setting needing another) and the typed Config they make.
import type { SalesmanagoConfig } from './salesmanago/types.ts';
import { shopDomains } from './shop/origin.ts';
import { isPublicSuffix } from './shop/public-suffix.ts';
import type { ConfigName, ConfigVars } from './config-names.ts';
import { readFormat, readRequired, readWhole, text, type ConfigProblem, type SettingRule, type WholeRule } from './config-rules.ts';
import { SETTINGS, WRANGLER_SETTINGS } from './settings/fields.ts';

export { CONFIG_NAMES, type ConfigVars } from './config-names.ts';
export type { ConfigProblem } from './config-rules.ts';

/** Days each kind of ledger row is kept (docs/operations.md "Retention"; delivery/retention.ts prunes). */
export interface RetentionDays {
  delivered: number;
  held: number;
  links: number;
  counters: number;
  /** Proof of a withdrawn consent, after the withdrawal (consent/proof.ts, docs/privacy.md). */
  consentProof: number;
}

/** Where each retention setting goes in RetentionDays (its rule: its entry in settings/fields.ts). */
const RETENTION_KEYS = {
  RETENTION_DELIVERED_DAYS: 'delivered',
  RETENTION_HELD_DAYS: 'held',
  RETENTION_LINKS_DAYS: 'links',
  RETENTION_COUNTERS_DAYS: 'counters',
  RETENTION_CONSENT_PROOF_DAYS: 'consentProof',
} as const satisfies Partial<Record<ConfigName, keyof RetentionDays>>;

/** Reads the retention settings; a value outside its bounds is clamped, and named as a problem. */
function readRetention(env: ConfigVars, problems: ConfigProblem[]): RetentionDays {
  const out = {} as RetentionDays;
  for (const [name, key] of Object.entries(RETENTION_KEYS) as [keyof typeof RETENTION_KEYS, keyof RetentionDays][]) {
    out[key] = readWhole(name, env[name], ruleOf(name, 'whole'), problems);
  }
  return out;
}

/** Each configuration name's rule, from its entry in settings/fields.ts. */
const RULES = new Map<string, SettingRule>([...SETTINGS, ...WRANGLER_SETTINGS].flatMap((s) => (s.rule ? [[s.name, s.rule] as const] : [])));

function ruleOf<K extends SettingRule['kind']>(name: ConfigName, kind: K): Extract<SettingRule, { kind: K }> {
  const rule = RULES.get(name);
  // A setting read here without its rule is a bug of this module, which every test that reads a configuration finds.
  if (rule?.kind !== kind) throw new Error(`settings/fields.ts has no ${kind} rule for ${name}`);
  return rule as Extract<SettingRule, { kind: K }>;
}

/** An optional value read by its entry's format rule: null when unset or refused (refused: named). */
function optional(name: ConfigName, value: string | undefined, problems: ConfigProblem[]): string | null {
  return readFormat(name, value, ruleOf(name, 'format'), problems);
}

/** The wrangler-only whole numbers (WRANGLER_SETTINGS), each read by its entry's rule. */
type Knob = Extract<(typeof WRANGLER_SETTINGS)[number], { rule: WholeRule }>['name'];

function readKnobs(env: ConfigVars, problems: ConfigProblem[]): Record<Knob, number> {
  const out = {} as Record<Knob, number>;
  for (const s of WRANGLER_SETTINGS) if (s.rule.kind === 'whole') out[s.name as Knob] = readWhole(s.name, env[s.name], s.rule, problems);
  return out;
}

/**
 * The shard count, a multiple of the ledger databases': a shard's contacts must all be in one database
 * (ledger/databases.ts). Otherwise the nearest multiple below it (at least one per database) is used and
 * named; changing the shard count is always safe (ARCHITECTURE.md "Delivery shards").
 */
function shardsOverLedgers(shards: number, ledgers: number, problems: ConfigProblem[]): number {
  if (shards % ledgers === 0) return shards;
  const used = Math.max(ledgers, Math.floor(shards / ledgers) * ledgers);
  problems.push({ name: 'DELIVERY_SHARDS', problem: `is not a multiple of LEDGER_DATABASES (${ledgers}): ${used} used` });
  return used;
}

/**
 * On by default since the delay benchmark under faults (5b) meets its goal with it (docs/performance.md
 * "Performance"): its 76 % within 60 s was one unanswered add of the whole 300-order flush, whose
 * events then waited the 15-30 s backoff (run.ts UNCONFIRMED_RETRY_S).
 */
export const DEFAULT_WINDOW_S = ruleOf('DELIVERY_WINDOW_S', 'whole').default;

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
  /** Ledger databases the contacts' rows are spread over (LEDGER_DATABASES, ledger/databases.ts; default 1). */
  ledgerDatabases: number;
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

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function tagList(value: string | undefined): string[] {
  // Tags are upper-cased with spaces as "_", as SALESmanago's own library normalises them.
  return text(value)
    .split(',')
    .map((t) => t.trim().toUpperCase().replace(/\s+/g, '_'))
    .filter((t) => t.length > 0);
}

export function readConfig(env: ConfigVars): Config {
  const problems: ConfigProblem[] = [];
  const need = (name: ConfigName): string | null => readRequired(name, env[name], ruleOf(name, 'required'), problems);

  const endpoint = need('SALESMANAGO_ENDPOINT');
  const clientId = need('SALESMANAGO_CLIENT_ID');
  const apiSecret = need('SALESMANAGO_API_SECRET');
  const owner = need('SALESMANAGO_OWNER');

  let location = optional('SALESMANAGO_LOCATION', env.SALESMANAGO_LOCATION, problems) ?? '';

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

  const shopWebhookUrl = optional('SHOP_WEBHOOK_URL', env.SHOP_WEBHOOK_URL, problems);

  const platforms = readPlatforms(env, problems);

  const publicPathPrefix = optional('PUBLIC_PATH_PREFIX', env.PUBLIC_PATH_PREFIX, problems) ?? '';
  const snippetConsent = optional('SNIPPET_CONSENT', env.SNIPPET_CONSENT, problems)?.toLowerCase() === 'none' ? 'none' : 'required';

  // In the order the fields are listed below, so that problems keep their order.
  const retention = readRetention(env, problems);
  const workerUrlValue = optional('WORKER_URL', env.WORKER_URL, problems);
  const workerUrl = workerUrlValue ? new URL(workerUrlValue).origin : null;
  const cartRecovery = readCartRecovery(env, problems);
  // A recovery link needs an address: the worker's (WORKER_URL), or the shop's under PUBLIC_PATH_PREFIX.
  if (cartRecovery.template && !workerUrl && !publicPathPrefix && !problems.some((p) => p.name === 'WORKER_URL'))
    problems.push({ name: 'WORKER_URL', problem: 'is needed for cart-recovery links (CART_RECOVERY_URL), unless PUBLIC_PATH_PREFIX is set' });
  // The wrangler-only knobs are named after everything /setup shows, so that the page's problems keep their order.
  const knobProblems: ConfigProblem[] = [];
  const knobs = readKnobs(env, knobProblems);
  const timeoutMs = knobs.SALESMANAGO_TIMEOUT_MS;
  const catalog = readCatalog(env, timeoutMs, problems);
  problems.push(...knobProblems);
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
    retryBaseS: knobs.DELIVERY_RETRY_BASE_S,
    deliveryWindowS: knobs.DELIVERY_WINDOW_S,
    deliveryShards: shardsOverLedgers(knobs.DELIVERY_SHARDS, knobs.LEDGER_DATABASES, problems),
    ledgerDatabases: knobs.LEDGER_DATABASES,
    benchFloor: text(env.BENCH_FLOOR) === 'true',
    platforms,
    snippetConsent,
    publicPathPrefix,
    cartRecovery,
    problems,
  };
}

/**
 * The catalog's three values. All optional until products arrive: a key without a catalog (or the
 * reverse) is named, so /setup says what is missing; the endpoint falls back to v3's public host.
 */
function readCatalog(env: ConfigVars, timeoutMs: number, problems: ConfigProblem[]): CatalogConfig {
  const endpoint = optional('SALESMANAGO_API_V3_ENDPOINT', env.SALESMANAGO_API_V3_ENDPOINT, problems) ?? DEFAULT_API_V3_ENDPOINT;
  const apiKey = text(env.SALESMANAGO_API_V3_KEY) || null;
  const catalogId = optional('SALESMANAGO_CATALOG_ID', env.SALESMANAGO_CATALOG_ID, problems);
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
  const template = optional('CART_RECOVERY_URL', env.CART_RECOVERY_URL, problems);
  const days = readWhole('CART_RECOVERY_DAYS', env.CART_RECOVERY_DAYS, ruleOf('CART_RECOVERY_DAYS', 'whole'), problems);
  return { template, days };
}

/** The location used when SALESMANAGO_LOCATION is empty: derived from the first shop domain. */
function defaultLocation(domain: string): string {
  const slug = domain.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const base = /^[a-z_]/.test(slug) ? slug : `_${slug}`;
  return (base.length >= 3 ? base : `${base}___`).slice(0, 36);
}
