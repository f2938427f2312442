// `npm start`: the worker, the SALESmanago simulator and the demo shop, with zero set-up.
// Local state lives in .wrangler/state (git-ignored; `--state DIR` picks another folder). Ctrl-C stops
// everything; a worker that exits by itself stops everything too, saying so (exit code 1).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_ACCOUNT, LOCAL_PORTS, LOCAL_SECRETS, LOCAL_SHOPIFY_DOMAIN } from './local-values.ts';
import { ROOT, startStack } from './stack.ts';

const { values: args } = parseArgs({ options: { verbose: { type: 'boolean' }, state: { type: 'string' } } });
const stack = await startStack({
  ports: LOCAL_PORTS,
  persistTo: resolve(ROOT, args.state ?? '.wrangler/state'),
  echo: args.verbose ?? false,
  settingsOnPage: true,
  cartRecovery: true,
});
const kept = stack.keptSettings.length
  ? `\nKept as saved on the setup page (not reset to the local values): ${stack.keptSettings.join(', ')}.
Delete .wrangler/state to start afresh.\n`
  : '';

console.log(`
salesmanago-edge is running (local development values; see test/stack/local-values.ts)

  Demo shop             ${stack.shopUrl}
  Worker (collector)    ${stack.workerUrl}        health: ${stack.workerUrl}/health
  Tracker script        ${stack.workerUrl}/s.js
  Setup page            ${stack.workerUrl}/setup   (any user, password ${LOCAL_SECRETS.ADMIN_PASSWORD})
  SALESmanago simulator ${stack.simulatorUrl}/__sim

Local values (LOCAL-ONLY, not secrets; never use them in production; from test/stack/local-values.ts,
entered on the setup page where nothing was saved there yet; what you save there is kept):
  SHOP_API_SECRET        ${LOCAL_SECRETS.SHOP_API_SECRET}   (signs /api/v1 requests and login tokens)
  CALLBACK_SECRET        ${LOCAL_SECRETS.CALLBACK_SECRET}
  ADMIN_PASSWORD         ${LOCAL_SECRETS.ADMIN_PASSWORD}
  SALESmanago account    Client ID ${LOCAL_ACCOUNT.clientId}, API Secret ${LOCAL_ACCOUNT.apiSecret}, Owner ${LOCAL_ACCOUNT.owner}
                         (the simulator's; Endpoint ${stack.simulatorUrl})
  Product catalog        API v3 key ${LOCAL_ACCOUNT.apiV3Key}, catalog ${LOCAL_ACCOUNT.catalogs[0].catalogId}
                         (the simulator's, also on ${stack.simulatorUrl}; docs/catalog.md)
  WOOCOMMERCE_WEBHOOK_SECRET  ${LOCAL_SECRETS.WOOCOMMERCE_WEBHOOK_SECRET}   (signs test deliveries to /hooks/woocommerce)
  SHOPIFY_WEBHOOK_SECRET      ${LOCAL_SECRETS.SHOPIFY_WEBHOOK_SECRET}   (signs test deliveries to /hooks/shopify)
  SHOPIFY_SHOP_DOMAIN         ${LOCAL_SHOPIFY_DOMAIN}   (X-Shopify-Shop-Domain)
  CART_RECOVERY_URL           ${stack.shopUrl}/koszyk?sm-edge-cart={items}   (recovery links via WORKER_URL ${stack.workerUrl})

${kept}
\`npm start -- --verbose\` shows the worker's own output. Ctrl-C stops everything.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// A worker that exits by itself leaves a demo shop talking to nothing: say so at once and stop.
stack.worker.process.once('exit', async (code, signal) => {
  if (stopping) return;
  stopping = true;
  const last = stack.worker.output().trimEnd().split('\n').slice(-20).join('\n');
  console.error(
    `\nThe worker (wrangler dev) exited by itself: ${signal ? `signal ${signal}` : `exit code ${code}`}. Its last output:\n${last || '(none)'}\n\nStopping everything; run \`npm start -- --verbose\` to see all of the worker's output.`,
  );
  await stack.stop();
  process.exit(1);
});
