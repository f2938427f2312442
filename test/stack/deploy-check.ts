// `npm run deploy:check` (after `wrangler deploy --dry-run` has bundled the worker): checks what can be
// checked before a deploy and names what is missing for production.
//   - wrangler.toml: no placeholder (all-zero) KV/D1 ids; every [vars] value valid by the worker's own
//     rules (worker/config.ts);
//   - no secret in plain text under [vars] (SECRETS below): wrangler.toml is committed;
//   - lists each production value by name: set in wrangler.toml (locks its field on /setup), or still
//     to be entered on the setup page after the deploy; ADMIN_PASSWORD must be a wrangler secret;
//     WORKER_URL and SETTINGS_KEY are named when missing;
//   - with --url https://<worker>: asks the deployed worker's /health and names every problem there.
// Exit code 1 when something is wrong.
import { unstable_readConfig } from 'wrangler';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const configPath = option('--config') ?? 'wrangler.toml';
const url = option('--url');

// Imported by path so the test project's type check does not pull in the worker's platform types.
const configModule = '../../worker/config.ts';
const { readConfig } = (await import(configModule)) as {
  readConfig: (env: Record<string, string>) => { problems: { name: string; problem: string }[]; ledgerDatabases: number; deliveryShards: number };
};

const PRODUCTION = [
  'SALESMANAGO_ENDPOINT',
  'SALESMANAGO_CLIENT_ID',
  'SALESMANAGO_API_SECRET',
  'SALESMANAGO_OWNER',
  'SHOP_DOMAINS',
  'SHOP_API_SECRET',
  'CALLBACK_SECRET',
];

/** Values that must never stand in plain text in wrangler.toml (design.md: the secrets). */
const SECRETS = [
  'SALESMANAGO_API_SECRET',
  'SHOP_API_SECRET',
  'CALLBACK_SECRET',
  'ADMIN_PASSWORD',
  'SETTINGS_KEY',
  'WOOCOMMERCE_WEBHOOK_SECRET',
  'SHOPIFY_WEBHOOK_SECRET',
  'SALESMANAGO_API_V3_KEY',
  'WOOCOMMERCE_CONSUMER_KEY',
  'WOOCOMMERCE_CONSUMER_SECRET',
  'SHOPIFY_ADMIN_TOKEN',
];

const errors: string[] = [];
const config = unstable_readConfig({ config: configPath });
const placeholder = (id: string | undefined) => id !== undefined && /^[0-]+$/.test(id);
for (const kv of config.kv_namespaces ?? []) {
  if (placeholder(kv.id)) errors.push(`kv_namespaces ${kv.binding}: id is a placeholder; remove it (wrangler deploy creates the namespace) or put the real id`);
}
for (const d1 of config.d1_databases ?? []) {
  if (placeholder(d1.database_id)) errors.push(`d1_databases ${d1.binding}: database_id is a placeholder; remove it or put the real id`);
}
const vars = Object.fromEntries(Object.entries(config.vars ?? {}).filter(([, v]) => typeof v === 'string' && v.trim() !== '') as [string, string][]);
for (const p of readConfig(vars).problems) {
  if (p.name in vars) errors.push(`${p.name} (in wrangler.toml [vars]) ${p.problem}`);
}
// The bindings LEDGER_DATABASES and DELIVERY_SHARDS count on (docs/operations.md "Ledger databases", "Delivery shards").
const parsed = readConfig(vars);
const d1 = new Set((config.d1_databases ?? []).map((d: { binding: string }) => d.binding));
for (let i = 1; i < parsed.ledgerDatabases; i++) {
  if (!d1.has(`LEDGER_${i}`)) errors.push(`LEDGER_DATABASES is ${parsed.ledgerDatabases}, but wrangler.toml declares no d1_databases LEDGER_${i}`);
}
const queues = new Set((config.queues?.producers ?? []).map((q: { binding: string }) => q.binding));
for (let i = 1; i < parsed.deliveryShards; i++) {
  if (!queues.has(`EVENTS_${i}`)) errors.push(`DELIVERY_SHARDS is ${parsed.deliveryShards}, but wrangler.toml declares no queue producer EVENTS_${i}`);
}
for (const name of SECRETS) {
  if (name in vars)
    errors.push(
      `${name} is in plain text in wrangler.toml [vars]: remove it there and make it a secret (npx wrangler secret put ${name}) or enter it on /setup`,
    );
}

console.log(`deploy check of ${configPath}`);
for (const name of PRODUCTION) {
  console.log(
    `  ${name.padEnd(24)} ${name in vars ? 'set in wrangler.toml (locks its field on /setup)' : 'not in wrangler.toml: enter it on /setup after the deploy'}`,
  );
}
console.log(`  ${'ADMIN_PASSWORD'.padEnd(24)} must be a wrangler secret: npx wrangler secret put ADMIN_PASSWORD`);
console.log(`  ${'SETTINGS_KEY'.padEnd(24)} recommended as a wrangler secret (encrypts the secrets saved on /setup): npx wrangler secret put SETTINGS_KEY`);
if (!('WORKER_URL' in vars)) {
  console.log(
    `  ${'WORKER_URL'.padEnd(24)} not in wrangler.toml: the callback URLs and the snippet on /setup then use the address /setup is opened at; set it to the worker's public https address`,
  );
}

if (url) {
  try {
    const res = await fetch(new URL('/health', url));
    const health = (await res.json()) as { configured?: boolean; problems?: string[] };
    if (health.configured) console.log(`${url}: configured, no problems`);
    for (const p of health.problems ?? []) errors.push(`${url}: ${p}`);
  } catch (err) {
    errors.push(`${url}/health did not answer: ${err instanceof Error ? err.message : String(err)}`);
  }
}

if (errors.length) {
  console.log('\nto fix:');
  for (const e of errors) console.log(`  - ${e}`);
  process.exitCode = 1;
} else {
  console.log('\nok');
}
