// The configuration names, in a module of their own so that Env (env.ts), the settings table
// (settings/fields.ts) and config.ts can all name them without importing one another in a circle.
/**
 * Every configuration name the worker reads: wrangler's vars and secrets, merged with the settings
 * saved on /setup (settings/merge.ts). Env carries them as raw text (ConfigVars, below); only config.ts
 * and settings/ read them (test/architecture/config.test.ts), everything else reads Config. Each
 * name's rule is its entry in settings/fields.ts.
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
  // Retention in days (docs/operations.md "Retention").
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
  // Wrangler only (never on /setup): their rules are WRANGLER_SETTINGS in settings/fields.ts.
  'SALESMANAGO_TIMEOUT_MS',
  'DELIVERY_RETRY_BASE_S',
  'DELIVERY_WINDOW_S',
  'DELIVERY_SHARDS',
  'LEDGER_DATABASES',
  // Benchmarks only: "true" enables the floor routes (routes/floor.ts).
  'BENCH_FLOOR',
  // Secret: the key that encrypts secrets saved on the setup page, else ADMIN_PASSWORD (settings/crypto.ts).
  'SETTINGS_KEY',
] as const;

export type ConfigName = (typeof CONFIG_NAMES)[number];

/** The raw text of each configuration name, as Env carries it (env.ts): what readConfig parses. */
export type ConfigVars = { [Name in ConfigName]?: string };
