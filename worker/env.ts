// The worker's bindings, as declared in wrangler.toml. Carried through hono as `{ Bindings: Env }`.
import type { QueueMessage } from './queue/messages.ts';

export interface Env {
  CONSENTS: KVNamespace;
  LEDGER: D1Database;
  EVENTS: Queue<QueueMessage>;
  ASSETS: Fetcher;
  RATE_LIMIT_IP: RateLimit;
  RATE_LIMIT_VISITOR: RateLimit;
  /** Requests with credentials on /admin and /setup, per IP (http/admin-password.ts). */
  RATE_LIMIT_AUTH?: RateLimit;

  SALESMANAGO_ENDPOINT?: string;
  SALESMANAGO_CLIENT_ID?: string;
  SALESMANAGO_API_SECRET?: string;
  SALESMANAGO_OWNER?: string;
  SALESMANAGO_LOCATION?: string;
  /** Product catalog (API v3, docs/catalog.md): the key, the catalog, and v3's own host. */
  SALESMANAGO_API_V3_KEY?: string;
  SALESMANAGO_CATALOG_ID?: string;
  SALESMANAGO_API_V3_ENDPOINT?: string;
  SHOP_DOMAINS?: string;
  SHOP_API_SECRET?: string;
  CALLBACK_SECRET?: string;
  ADMIN_PASSWORD?: string;
  TAGS_REGISTRATION?: string;
  TAGS_NEWSLETTER?: string;
  TAGS_PURCHASE_LOGGED_IN?: string;
  TAGS_PURCHASE_GUEST?: string;
  TAGS_LOGIN?: string;
  DOUBLE_OPT_IN?: string;
  DOUBLE_OPT_IN_EMAIL_ID?: string;
  DOUBLE_OPT_IN_LANGUAGE?: string;
  /** Optional: "true" lets an unverified browser newsletter signup force an opt-in without double opt-in (default false). */
  BROWSER_SIGNUP_OPT_IN?: string;
  /** Optional retention in days (docs/operations.md "Retention"; bounds in config.ts RETENTION_SETTINGS). */
  RETENTION_DELIVERED_DAYS?: string;
  RETENTION_HELD_DAYS?: string;
  RETENTION_LINKS_DAYS?: string;
  RETENTION_COUNTERS_DAYS?: string;
  RETENTION_CONSENT_PROOF_DAYS?: string;
  /** Optional: the worker's public base URL; the setup page builds the callback URLs from it, not from the Host header. */
  WORKER_URL?: string;
  SHOP_WEBHOOK_URL?: string;
  /** Optional: seconds a small batch of events may wait for more before it is sent (default 10; 0 = off). */
  DELIVERY_WINDOW_S?: string;
  /** Benchmarks only: "true" enables POST /floor/bindings (worker/routes/floor.ts). */
  BENCH_FLOOR?: string;
  /** Optional: SALESmanago request timeout in ms (default 30 000). */
  SALESMANAGO_TIMEOUT_MS?: string;
  /** Optional: first retry delay in seconds (default 30; doubles up to 120 times this, at most 1 h). */
  DELIVERY_RETRY_BASE_S?: string;
  /** Shop platforms (worker/platforms, docs/platforms.md "Shop platforms"): all optional. */
  WOOCOMMERCE_WEBHOOK_SECRET?: string;
  WOOCOMMERCE_PURCHASE_ON_HOLD?: string;
  WOOCOMMERCE_NEWSLETTER_META_KEY?: string;
  /** Optional: reconciliation pulls and refund lines (platforms/): the shop's base URL and a read-only REST key. */
  WOOCOMMERCE_URL?: string;
  WOOCOMMERCE_CONSUMER_KEY?: string;
  WOOCOMMERCE_CONSUMER_SECRET?: string;
  SHOPIFY_WEBHOOK_SECRET?: string;
  SHOPIFY_SHOP_DOMAIN?: string;
  SHOPIFY_PURCHASE_ON_CREATE?: string;
  /** Optional secret: a Shopify Admin API token with read_orders, read_customers (reconciliation pulls). */
  SHOPIFY_ADMIN_TOKEN?: string;
  /** Optional: cart-recovery links (docs/import-and-recovery.md): the shop's cart-rebuild URL template. */
  CART_RECOVERY_URL?: string;
  /** Optional: days a cart-recovery link stays valid (default 30, 1 to 365). */
  CART_RECOVERY_DAYS?: string;
  /** Optional: first-party mode, the path (e.g. "/_e") under which /s.js and /e are served too. */
  PUBLIC_PATH_PREFIX?: string;
  /** Optional: the snippet's consent mode shown on the setup page, "required" or "none". */
  SNIPPET_CONSENT?: string;
  /** Optional secret: the key that encrypts secrets saved on the setup page (else ADMIN_PASSWORD). */
  SETTINGS_KEY?: string;
}

export type AppEnv = { Bindings: Env };
