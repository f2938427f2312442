// The HTTP plumbing of worker/http/: configuration on the context, the one admin-password guard,
// the background helper, and the shop-origin check reading the same parsed SHOP_DOMAINS as /health.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../config.ts';
import type { QueueMessage } from '../queue/messages.ts';
import type { AppEnv, Env } from '../env.ts';
import { passwordMatches } from '../identity/hmac.ts';
import { app } from '../index.ts';
import { health } from '../routes/health.ts';
import { adminPassword } from './admin-password.ts';
import { inBackground } from './background.ts';
import { withConfig } from './config.ts';

const env: Env = workerEnv;
const SHOP = 'http://localhost:8788';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';
const basic = (password: string) => `Basic ${btoa(`anyone:${password}`)}`;

async function request(url: string, init: RequestInit = {}, bindings: Env = env) {
  const ctx = createExecutionContext();
  const res = await app.request(url, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

beforeEach(() => {
  vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockResolvedValue(undefined as never);
});
afterEach(() => vi.restoreAllMocks());

describe('c.var.config', () => {
  it('is what the routes read: a router mounted under an app that set it does not parse c.env again', async () => {
    const outer = new Hono<AppEnv>();
    outer.use(async (c, next) => {
      c.set('config', { ...readConfig(c.env), problems: [{ name: 'SHOP_DOMAINS', problem: 'set by the outer app' }] });
      await next();
    });
    outer.use(withConfig);
    outer.route('/health', health);
    const res = await outer.request('/health', {}, env);
    // The outer app's problem, which c.env alone does not have (/health may add the platforms' signature
    // state, which D1 rows of other files can set when the quick loop shares an isolate).
    const body = await res.json<{ configured: boolean; problems: string[] }>();
    expect(body.configured).toBe(false);
    expect(body.problems).toContain('SHOP_DOMAINS');
    expect(readConfig(env).problems.map((p) => p.name)).not.toContain('SHOP_DOMAINS');
  });

  it('SHOP_DOMAINS is one parsed list: a value /health accepts is the one the origin check admits', async () => {
    const bindings = { ...env, SHOP_DOMAINS: 'Localhost.' } as Env;
    const checked = await (await request('http://sm-edge.test/health', {}, bindings)).json<{ problems: string[] }>();
    expect(checked.problems).not.toContain('SHOP_DOMAINS');
    const beacon = JSON.stringify({
      v: 2,
      u: `v${crypto.randomUUID().replace(/-/g, '')}`,
      e: [{ i: `ev${crypto.randomUUID().slice(0, 12)}`, k: 'visit', t: Date.now(), u: `${SHOP}/`, h: 'Shop' }],
    });
    const res = await request(
      `${SHOP}/e`,
      { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: SHOP, 'User-Agent': UA }, body: beacon },
      bindings,
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(SHOP);
  });
});

describe('adminPassword', () => {
  it('compares passwords by digest: right or wrong whatever their lengths, never an empty one', async () => {
    expect(await passwordMatches('correct horse', 'correct horse')).toBe(true);
    expect(await passwordMatches('correct hors', 'correct horse')).toBe(false);
    expect(await passwordMatches('correct horse battery', 'correct horse')).toBe(false);
    expect(await passwordMatches('', '')).toBe(false);
  });

  it('guards /admin and /setup alike: no password 401, a wrong one of any length 401, the right one passes', async () => {
    const password = env.ADMIN_PASSWORD!;
    for (const [method, path] of [
      ['POST', '/admin/replay?limit=1'],
      ['GET', '/setup'],
    ] as const) {
      expect((await request(path, { method })).status).toBe(401);
      for (const wrong of [password.slice(1), `${password}x`, 'x'.repeat(password.length)]) {
        expect((await request(path, { method, headers: { Authorization: basic(wrong) } })).status).toBe(401);
      }
      expect((await request(path, { method, headers: { Authorization: basic(password) } })).status).toBe(200);
    }
  });

  it('stays locked without a usable ADMIN_PASSWORD: each router answers its own way', async () => {
    const bindings = { ...env, ADMIN_PASSWORD: 'short' } as Env;
    const headers = { Authorization: basic('short') };
    const admin = await request('/admin/replay', { method: 'POST', headers }, bindings);
    expect(admin.status).toBe(503);
    expect(await admin.json()).toEqual({ error: 'ADMIN_PASSWORD is not set: the admin actions are disabled' });
    expect((await request('/setup', { headers }, bindings)).status).toBe(403);
  });

  it('counts every attempt with credentials against RATE_LIMIT_AUTH, before the password is checked', async () => {
    const limit = vi.fn(async () => ({ success: false }));
    const guarded = new Hono<AppEnv>().use(withConfig, adminPassword({ realm: 'test', locked: (c) => c.text('locked', 503) })).get('/', (c) => c.text('in'));
    const bindings: Env = { ...env, RATE_LIMIT_AUTH: { limit } };
    const res = await guarded.request('/', { headers: { Authorization: basic(env.ADMIN_PASSWORD!), 'CF-Connecting-IP': '192.0.2.7' } }, bindings);
    expect(res.status).toBe(429);
    expect(limit).toHaveBeenCalledWith({ key: 'auth:192.0.2.7' });
    // Without credentials nothing is counted; the answer is the 401 challenge.
    expect((await guarded.request('/', { headers: { 'CF-Connecting-IP': '192.0.2.7' } }, bindings)).status).toBe(401);
    expect(limit).toHaveBeenCalledTimes(1);
  });
});

describe('inBackground', () => {
  it('hands the work to waitUntil when there is an execution context, and logs a failure instead of throwing', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let done = false;
    const tasks = new Hono().get('/', (c) => {
      const returned = inBackground(c, [
        new Promise<void>((resolve) =>
          setTimeout(() => {
            done = true;
            resolve();
          }, 10),
        ),
        Promise.reject(new Error('kv down')),
      ]);
      return c.json({ returned: returned === undefined, done });
    });
    const ctx = createExecutionContext();
    const res = await tasks.request('/', {}, {}, ctx);
    expect(await res.json()).toEqual({ returned: true, done: false });
    await waitOnExecutionContext(ctx);
    expect(done).toBe(true);
    expect(error).toHaveBeenCalledWith({ msg: 'background work failed', error: 'kv down' });
  });

  it('without an execution context returns the work, for the caller to await', async () => {
    let done = false;
    const tasks = new Hono().get('/', async (c) => {
      await inBackground(
        c,
        new Promise<void>((resolve) =>
          setTimeout(() => {
            done = true;
            resolve();
          }, 10),
        ),
      );
      return c.json({ done });
    });
    expect(await (await tasks.request('/')).json()).toEqual({ done: true });
  });
});
