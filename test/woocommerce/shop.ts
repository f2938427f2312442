// A real WordPress + WooCommerce shop for tests, from the fixtures in ../shared/fixtures/woocommerce beside
// the repository (as on every machine of this project and in CI; or $WOOCOMMERCE_FIXTURES): MariaDB on a socket in a temporary datadir (no root set-up, no TCP port),
// PHP's built-in server, WordPress installed without a browser. Everything lives in one temporary
// folder that stop() removes. Facts it rests on: the fixtures' README.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, freePort, run, start, waitFor, type Child } from '../stack/processes.ts';

const FIXTURES = process.env.WOOCOMMERCE_FIXTURES ?? join(ROOT, '..', 'shared', 'fixtures', 'woocommerce');
const PHP_DIR = new URL('./php/', import.meta.url).pathname;
export const ADMIN = { user: 'admin', password: 'test-admin-password-1' };

/** What the machine lacks to run the shop (empty: it can run). */
export function missingTools(): string[] {
  const missing = ['php', 'mariadbd', 'mariadb-install-db', 'mariadb', 'tar', 'xz'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (!existsSync(join(FIXTURES, 'wordpress-6.9.1.tar.xz'))) missing.push(`${FIXTURES}/wordpress-6.9.1.tar.xz`);
  return missing;
}

export interface WooShop {
  url: string;
  site: string;
  /** Runs test/woocommerce/php/cli.php; answers its JSON. */
  cli<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function startWooShop(options: { workerPort: number }): Promise<WooShop> {
  const root = mkdtempSync(join(tmpdir(), 'sm-edge-woo-'));
  const site = join(root, 'site');
  const data = join(root, 'db');
  const socket = join(data, 'mysql.sock');
  const children: Child[] = [];
  const stop = async () => {
    // Throw-away data: MariaDB needs no clean shutdown.
    for (const child of children.reverse()) {
      try {
        if (child.process.pid !== undefined && child.process.exitCode === null) process.kill(-child.process.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await child.stop();
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    mkdirSync(site);
    await Promise.all([
      (async () => {
        await run('tar', ['-xJf', join(FIXTURES, 'wordpress-6.9.1.tar.xz'), '-C', site]);
        await run('tar', ['-xJf', join(FIXTURES, 'woocommerce-10.9.1.tar.xz'), '-C', join(site, 'wp-content', 'plugins')]);
      })(),
      run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db']),
    ]);
    const db = start('mariadbd', [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      '--skip-networking',
      '--user=root',
      `--pid-file=${join(data, 'pid')}`,
    ]);
    children.push(db);
    for (let i = 0; ; i++) {
      try {
        await run('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-e', 'CREATE DATABASE IF NOT EXISTS wp']);
        break;
      } catch (err) {
        if (i > 100 || db.process.exitCode !== null) throw new Error(`MariaDB did not start: ${String(err)}\n${db.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    writeFileSync(join(site, 'wp-config.php'), wpConfig(url, socket, options.workerPort));
    mkdirSync(join(site, 'wp-content', 'mu-plugins'));
    copyFileSync(join(PHP_DIR, 'mu-test-shop.php'), join(site, 'wp-content', 'mu-plugins', 'mu-test-shop.php'));

    const env = { SM_EDGE_TEST_SHOP_URL: url };
    const cli = async <T>(command: string, args: Record<string, unknown> = {}): Promise<T> => {
      const out = await run('php', [join(PHP_DIR, 'cli.php'), site, command, JSON.stringify(args)], env);
      const at = out.lastIndexOf('@@JSON@@');
      if (at < 0) throw new Error(`cli.php ${command} gave no answer:\n${out}`);
      return JSON.parse(out.slice(at + 8)) as T;
    };
    await cli('install', { adminPassword: ADMIN.password });
    const server = start('php', ['-S', `127.0.0.1:${port}`, '-t', site], { env: { PHP_CLI_SERVER_WORKERS: '4' } });
    children.push(server);
    await waitFor(`${url}/wp-login.php`, 30_000, server);
    return { url, site, cli, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function wpConfig(url: string, socket: string, workerPort: number): string {
  const keys = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'];
  return `<?php
define('DB_NAME', 'wp');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:${socket}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
${keys.map((k) => `define('${k}', '${k.toLowerCase()}-test-only');`).join('\n')}
define('WP_HOME', '${url}');
define('WP_SITEURL', '${url}');
define('DISABLE_WP_CRON', true);
define('WP_DEBUG', false);
define('SM_EDGE_TEST_WORKER_PORT', ${workerPort});
$table_prefix = 'wp_';
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
`;
}

/** A browser's cookies, enough for WordPress (one site, no paths or expiry to honour). */
export class Browser {
  private cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(`${this.base}${path}`, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === 'deleted' || /expires=Thu, 01-Jan-1970/i.test(line) || /Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** wp-login.php, as the login form posts it. */
  async login(user: string, password: string): Promise<void> {
    this.cookies.set('wordpress_test_cookie', 'WP%20Cookie%20check');
    const res = await this.fetch('/wp-login.php', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ log: user, pwd: password, 'wp-submit': 'Log In', testcookie: '1', redirect_to: `${this.base}/wp-admin/` }),
    });
    if (res.status !== 302 || ![...this.cookies.keys()].some((k) => k.startsWith('wordpress_logged_in_'))) {
      throw new Error(`login of ${user} failed: HTTP ${res.status}`);
    }
  }

  async page(path: string): Promise<string> {
    const res = await this.fetch(path);
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return res.text();
  }

  async form(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  }
}

/** The value of a hidden input in a page (e.g. a form's nonce). */
export function inputValue(html: string, name: string): string {
  const tag = new RegExp(`<input[^>]*name="${name.replace(/[[\]]/g, '\\$&')}"[^>]*>`).exec(html)?.[0];
  const value = tag && /value="([^"]*)"/.exec(tag)?.[1];
  if (value === undefined) throw new Error(`no input ${name} in the page`);
  return value;
}
