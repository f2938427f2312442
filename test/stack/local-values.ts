// LOCAL-ONLY development values. They are not secrets: they exist so that `npm start`, the tests and
// the benchmarks run with zero set-up against the SALESmanago simulator. Never use them in production.

export const LOCAL_PORTS = { worker: 8787, shop: 8788, simulator: 8790 } as const;

/** The account the simulator accepts. */
export const LOCAL_ACCOUNT = {
  clientId: 'localclient01',
  apiSecret: 'local-only-api-secret',
  owner: 'owner@shop.localhost',
  apiV3Key: 'local-only-api-v3-key',
  // One catalog to start with, so that products go somewhere with zero set-up (docs/catalog.md).
  catalogs: [{ catalogId: '00000000-0000-4000-8000-00000000ca7a', name: 'sm-edge demo', currency: 'PLN', location: 'sm_edge_demo' }],
  // The account's named consents: an upsert naming another one is refused (test/simulator/auth.ts).
  consents: ['GDPR_MARKETING', 'GDPR_PROFILING'],
} as const;

export const LOCAL_SECRETS = {
  SHOP_API_SECRET: 'local-only-shop-api-secret',
  CALLBACK_SECRET: 'local-only-callback-secret',
  ADMIN_PASSWORD: 'local-only-admin',
  WOOCOMMERCE_WEBHOOK_SECRET: 'local-only-woocommerce-secret',
  SHOPIFY_WEBHOOK_SECRET: 'local-only-shopify-secret',
} as const;

/** The shop the local Shopify webhooks claim to come from (X-Shopify-Shop-Domain). */
export const LOCAL_SHOPIFY_DOMAIN = 'sm-edge-demo.myshopify.com';

/** Worker vars for local runs, given the simulator's base URL. */
export function localWorkerVars(simulatorUrl: string): Record<string, string> {
  return {
    SALESMANAGO_ENDPOINT: simulatorUrl,
    SALESMANAGO_CLIENT_ID: LOCAL_ACCOUNT.clientId,
    SALESMANAGO_API_SECRET: LOCAL_ACCOUNT.apiSecret,
    SALESMANAGO_OWNER: LOCAL_ACCOUNT.owner,
    SALESMANAGO_LOCATION: 'sm_edge_demo',
    // API v3 (product catalog) lives on its own host in production; locally the simulator serves it.
    SALESMANAGO_API_V3_ENDPOINT: simulatorUrl,
    SALESMANAGO_API_V3_KEY: LOCAL_ACCOUNT.apiV3Key,
    SALESMANAGO_CATALOG_ID: LOCAL_ACCOUNT.catalogs[0].catalogId,
    SHOP_DOMAINS: 'localhost,127.0.0.1',
    TAGS_REGISTRATION: 'REGISTRATION',
    TAGS_NEWSLETTER: 'NEWSLETTER',
    TAGS_PURCHASE_LOGGED_IN: 'PURCHASE',
    TAGS_PURCHASE_GUEST: 'GUEST_PURCHASE',
    TAGS_LOGIN: 'LOGIN',
    DOUBLE_OPT_IN: 'false',
    SALESMANAGO_TIMEOUT_MS: '2000',
    SHOPIFY_SHOP_DOMAIN: LOCAL_SHOPIFY_DOMAIN,
    // Tests expect a batch delivered at once; the benchmarks that measure the accumulator set it.
    DELIVERY_WINDOW_S: '0',
    ...LOCAL_SECRETS,
  };
}
