// The whole product running locally: the SALESmanago simulator, the worker under `wrangler dev`
// (local KV, Queues, D1 with migrations applied) and the demo shop. Used by `npm start`, the
// end-to-end and browser tests, and the benchmarks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { startDemoShop } from '../demo-shop/server.ts';
import { LOCAL_ACCOUNT, LOCAL_SECRETS, localWorkerVars } from './local-values.ts';
import { ROOT, WRANGLER, freePort, run, startWranglerDev, waitFor, type Child } from './processes.ts';

/** wrangler.toml's ledger database. */
export const LEDGER_NAME = 'sm-edge-ledger';

export interface StackOptions {
  /** Fixed ports (npm start) or free ones (tests, default). */
  ports?: { worker: number; shop: number; simulator: number };
  /** Where wrangler keeps local KV/D1/Queues state; a fresh temporary folder by default. */
  persistTo?: string;
  /** Extra or overriding worker vars. */
  vars?: Record<string, string>;
  /** Echo wrangler's output. */
  echo?: boolean;
  /** An alternate wrangler config (e.g. the benchmarks' copy with higher rate limits); wrangler.toml by default. */
  config?: string;
  /** The D1 databases (by name) the config declares, each given the migrations; the one ledger database by default. */
  databases?: string[];
  /**
   * Enter the local values a merchant sets through the setup page's form (stored in D1, editable there)
   * instead of passing them as wrangler vars (which lock their fields). `npm start` does this.
   */
  settingsOnPage?: boolean;
  /**
   * Cart-recovery links that work locally (`npm start`): WORKER_URL is the local worker and
   * CART_RECOVERY_URL the demo shop's cart, which rebuilds itself from `?sm-edge-cart={items}`.
   */
  cartRecovery?: boolean;
}

export interface Stack {
  workerUrl: string;
  shopUrl: string;
  simulatorUrl: string;
  simulator: Simulator;
  worker: Child;
  /** Settings already saved on /setup in a kept state folder, left as the merchant saved them. */
  keptSettings: string[];
  stop: () => Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const ports = options.ports ?? { worker: await freePort(), shop: await freePort(), simulator: await freePort() };
  const temporary = options.persistTo === undefined;
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), 'sm-edge-state-'));
  const workerUrl = `http://localhost:${ports.worker}`;

  const simulator = await startSimulator({
    port: ports.simulator,
    host: '127.0.0.1',
    accounts: [LOCAL_ACCOUNT],
    callbacks: {
      optIn: `${workerUrl}/callbacks/opt-in?email=$email$&key=sha1($email$${LOCAL_SECRETS.CALLBACK_SECRET})`,
      optOut: `${workerUrl}/callbacks/opt-out?email=$email$&key=sha1($email$${LOCAL_SECRETS.CALLBACK_SECRET})`,
    },
  });
  const stoppers: (() => Promise<void>)[] = [() => simulator.close()];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    if (temporary) rmSync(persistTo, { recursive: true, force: true });
  };

  try {
    const config = options.config ? ['--config', options.config] : [];
    for (const name of options.databases ?? [LEDGER_NAME]) {
      await run(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', name, '--local', '--persist-to', persistTo, ...config], {
        CI: 'true', // no interactive confirmation
      });
    }
    const recovery = options.cartRecovery ? demoRecoveryVars(workerUrl, `http://localhost:${ports.shop}`) : {};
    const all = { ...localWorkerVars(simulator.url), ...recovery, ...options.vars };
    const onPageNames = Object.keys(all).filter((k) => !WRANGLER_ONLY.has(k) && !(options.vars && k in options.vars));
    // A kept state folder (npm start) may hold what the merchant saved on /setup: that stays.
    const kept = options.settingsOnPage && !temporary ? await savedSettingNames(persistTo, config) : new Set<string>();
    const onPage = options.settingsOnPage ? Object.fromEntries(onPageNames.filter((k) => !kept.has(k)).map((k) => [k, all[k]!])) : {};
    const vars = Object.fromEntries(Object.entries(all).filter(([k]) => !options.settingsOnPage || !onPageNames.includes(k)));
    const worker = await startWranglerDev({ port: ports.worker, persistTo, vars, config, echo: options.echo });
    stoppers.push(() => worker.stop());
    await waitFor(`${workerUrl}/health`, 60_000, worker);
    if (options.settingsOnPage && Object.keys(onPage).length > 0) await saveOnSetupPage(workerUrl, onPage);

    const shop = await startDemoShop({ port: ports.shop, collectorUrl: workerUrl });
    stoppers.push(() => shop.close());

    return { workerUrl, shopUrl: shop.url, simulatorUrl: simulator.url, simulator, worker, keptSettings: [...kept].sort(), stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Names of the settings saved on /setup in a local state folder (table settings, migrations/0030_settings.sql). */
async function savedSettingNames(persistTo: string, config: string[]): Promise<Set<string>> {
  const out = await run(
    process.execPath,
    [WRANGLER, 'd1', 'execute', 'sm-edge-ledger', '--local', '--persist-to', persistTo, ...config, '--json', '--command', 'SELECT name FROM settings'],
    { CI: 'true', WRANGLER_SEND_METRICS: 'false' },
  );
  const answer = JSON.parse(out.slice(out.indexOf('['))) as { results: { name: string }[] }[];
  return new Set(answer.flatMap((a) => a.results.map((r) => r.name)));
}

/** The recovery-link settings of the local demo (docs/import-and-recovery.md "Cart-recovery links"). */
export function demoRecoveryVars(workerUrl: string, shopUrl: string): Record<string, string> {
  return { WORKER_URL: workerUrl, CART_RECOVERY_URL: `${shopUrl}/koszyk?sm-edge-cart={items}` };
}

/** Local values that are not on the setup page's form: they stay wrangler vars. */
const WRANGLER_ONLY = new Set(['ADMIN_PASSWORD', 'SALESMANAGO_TIMEOUT_MS', 'DELIVERY_RETRY_BASE_S', 'DELIVERY_WINDOW_S', 'DELIVERY_SHARDS']);

/** Posts values to the setup page's settings form, as a merchant's browser would. */
export async function saveOnSetupPage(workerUrl: string, values: Record<string, string>): Promise<void> {
  const form = new URLSearchParams({ action: 'save' });
  for (const [name, value] of Object.entries(values)) {
    // The form's shapes (worker/settings/fields.ts): a tag list has its switch, a flag is a checkbox.
    if (name.startsWith('TAGS_')) {
      form.set(`${name}.shown`, '1');
      if (value) form.set(`${name}.on`, '1');
      form.set(name, value);
    } else if (name === 'DOUBLE_OPT_IN') {
      form.set(`${name}.shown`, '1');
      if (value === 'true') form.set(name, 'true');
    } else form.set(name, value);
  }
  const res = await fetch(`${workerUrl}/setup/settings`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`local:${LOCAL_SECRETS.ADMIN_PASSWORD}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: workerUrl,
    },
    body: form.toString(),
  });
  if (res.status !== 200) throw new Error(`saving the local settings on /setup failed: HTTP ${res.status}`);
}

export { ROOT };
