// Smoke test of `npm start`: it starts, serves /health, /s.js, the demo shop and the simulator, and
// Ctrl-C stops everything without leaving workerd behind; a restart keeps what was saved on /setup, and a
// worker that dies is reported at once.
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { LOCAL_PORTS, LOCAL_SECRETS } from './local-values.ts';
import { ROOT } from './processes.ts';
import { saveOnSetupPage } from './stack.ts';

/** Process groups of `ps` rows matching a pattern. */
function groupsOf(pattern: RegExp): Set<string> {
  const rows = execSync('ps -eo pgid=,args=').toString().split('\n');
  return new Set(rows.filter((r) => pattern.test(r)).map((r) => r.trim().split(/\s+/)[0]!));
}

/** Live processes of those groups (a "<defunct>" one has exited and only awaits its parent's reaping). */
function processesIn(groups: Set<string>): string[] {
  const rows = execSync('ps -eo pgid=,args=').toString().split('\n');
  return rows.filter((r) => groups.has(r.trim().split(/\s+/)[0] ?? '') && !r.includes('<defunct>'));
}

async function portInUse(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

it('npm start serves the worker, the tracker, the demo shop and the simulator, and stops cleanly', async (ctx) => {
  if (await portInUse(LOCAL_PORTS.worker)) {
    ctx.skip(`port ${LOCAL_PORTS.worker} is in use (is npm start already running?)`);
  }
  const child = spawn(process.execPath, ['test/stack/start.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  let wranglerGroups = new Set<string>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 90_000;
    while (!out.includes('Ctrl-C stops everything') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out, out).toContain('Ctrl-C stops everything');
    // The local values a newcomer needs (e.g. to sign a shop-API call), marked local-only.
    expect(out).toContain('LOCAL-ONLY');
    expect(out).toMatch(new RegExp(`SHOP_API_SECRET +${LOCAL_SECRETS.SHOP_API_SECRET}`));
    // …and those a WooCommerce or Shopify merchant needs to sign a test delivery (docs/platforms.md "Shop platforms").
    expect(out).toMatch(new RegExp(`WOOCOMMERCE_WEBHOOK_SECRET +${LOCAL_SECRETS.WOOCOMMERCE_WEBHOOK_SECRET}`));
    expect(out).toMatch(new RegExp(`SHOPIFY_WEBHOOK_SECRET +${LOCAL_SECRETS.SHOPIFY_WEBHOOK_SECRET}`));
    const base = `http://localhost:${LOCAL_PORTS.worker}`;

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });

    const script = await fetch(`${base}/s.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(100);

    const shop = await fetch(`http://localhost:${LOCAL_PORTS.shop}/`);
    expect(shop.status).toBe(200);
    expect(await shop.text()).toContain('/s.js');

    const simulator = await fetch(`http://127.0.0.1:${LOCAL_PORTS.simulator}/__sim`);
    expect(simulator.status).toBe(200);

    // wrangler and the workerd processes it started share one process group.
    wranglerGroups = groupsOf(new RegExp(`workerd.*entry=127\\.0\\.0\\.1:${LOCAL_PORTS.worker}\\b`));
    expect(wranglerGroups.size).toBe(1);
  } finally {
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(0);
  }
  expect(processesIn(wranglerGroups)).toEqual([]);
  expect(await portInUse(LOCAL_PORTS.worker)).toBe(false);
});

/** Starts `npm start`'s script with its own state folder; resolves once it is ready. */
async function startLocal(state: string): Promise<{ out: () => string; exited: Promise<number | null>; kill: () => void }> {
  const child = spawn(process.execPath, ['test/stack/start.ts', '--state', state], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (!out.includes('Ctrl-C stops everything') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(out, out).toContain('Ctrl-C stops everything');
  return { out: () => out, exited, kill: () => child.kill('SIGINT') };
}

it('npm start keeps what was saved on /setup, and says so and exits 1 when the worker dies', async (ctx) => {
  if (await portInUse(LOCAL_PORTS.worker)) {
    ctx.skip(`port ${LOCAL_PORTS.worker} is in use (is npm start already running?)`);
  }
  const state = mkdtempSync(join(tmpdir(), 'sm-edge-start-'));
  const base = `http://localhost:${LOCAL_PORTS.worker}`;
  try {
    const first = await startLocal(state);
    try {
      expect(first.out()).not.toContain('Kept as saved');
      await saveOnSetupPage(base, { TAGS_NEWSLETTER: 'saved-by-the-merchant' });
      // The worker dies under the demo shop: npm start says so at once and stops with exit code 1.
      const groups = groupsOf(new RegExp(`workerd.*entry=127\\.0\\.0\\.1:${LOCAL_PORTS.worker}\\b`));
      expect(groups.size).toBe(1);
      process.kill(-Number([...groups][0]), 'SIGKILL');
      expect(await first.exited).toBe(1);
      expect(first.out()).toContain('The worker (wrangler dev) exited by itself');
    } finally {
      first.kill();
    }
    expect(await portInUse(LOCAL_PORTS.shop)).toBe(false);

    const second = await startLocal(state);
    try {
      expect(second.out()).toMatch(/Kept as saved on the setup page[^\n]*TAGS_NEWSLETTER/);
      const page = await fetch(`${base}/setup`, { headers: { Authorization: `Basic ${Buffer.from(`x:${LOCAL_SECRETS.ADMIN_PASSWORD}`).toString('base64')}` } });
      expect(await page.text()).toContain('saved-by-the-merchant');
    } finally {
      second.kill();
      expect(await second.exited).toBe(0);
    }
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});
