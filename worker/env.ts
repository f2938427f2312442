// The worker's bindings, as declared in wrangler.toml. Carried through hono as `{ Bindings: Env }`.
import type { QueueMessage } from './delivery/messages.ts';

export interface Env {
  CONSENTS: KVNamespace;
  LEDGER: D1Database;
  EVENTS: Queue<QueueMessage>;
  ASSETS: Fetcher;
  RATE_LIMIT_IP: RateLimit;
  RATE_LIMIT_VISITOR: RateLimit;

  SALESMANAGO_ENDPOINT?: string;
  SALESMANAGO_CLIENT_ID?: string;
  SALESMANAGO_API_SECRET?: string;
  SALESMANAGO_OWNER?: string;
  SALESMANAGO_LOCATION?: string;
  SHOP_DOMAINS?: string;
  SHOP_API_SECRET?: string;
  CALLBACK_SECRET?: string;
  ADMIN_PASSWORD?: string;
  TAGS_REGISTRATION?: string;
  TAGS_NEWSLETTER?: string;
  TAGS_PURCHASE_LOGGED_IN?: string;
  TAGS_PURCHASE_GUEST?: string;
  DOUBLE_OPT_IN?: string;
  DOUBLE_OPT_IN_EMAIL_ID?: string;
  DOUBLE_OPT_IN_LANGUAGE?: string;
  SHOP_WEBHOOK_URL?: string;
  /** Optional: seconds a small batch of events may wait for more before it is sent (default 10; 0 = off). */
  DELIVERY_WINDOW_S?: string;
  /** Benchmarks only: "true" enables POST /floor/bindings (worker/floor.ts). */
  BENCH_FLOOR?: string;
  /** Optional: SALESmanago request timeout in ms (default 30 000). */
  SALESMANAGO_TIMEOUT_MS?: string;
  /** Optional: first retry delay in seconds (default 30; doubles up to 120 times this, at most 1 h). */
  DELIVERY_RETRY_BASE_S?: string;
}

export type AppEnv = { Bindings: Env };
