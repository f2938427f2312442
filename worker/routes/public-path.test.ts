// First-party mode: PUBLIC_PATH_PREFIX serves the tracker files and the beacon endpoint under a
// path of the shop's own origin; nothing else moves, and the origin check still applies.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { QueueMessage } from '../queue/messages.ts';
import type { Env } from '../env.ts';
import { readConfig } from '../config.ts';
import { publicPathProblem, unprefixedPath } from '../shop/public-path.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;
const withPrefix = { ...env, PUBLIC_PATH_PREFIX: '/_e' } as Env;
const SHOP = 'http://localhost:8788';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';

const beacon = () =>
  JSON.stringify({
    v: 2,
    u: `v${crypto.randomUUID().replace(/-/g, '')}`,
    e: [{ i: `ev${crypto.randomUUID().slice(0, 12)}`, k: 'visit', t: Date.now(), u: `${SHOP}/`, h: 'Shop' }],
  });

async function request(url: string, init: RequestInit = {}, bindings: Env = withPrefix) {
  const ctx = createExecutionContext();
  const res = await app.request(url, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
const post = (url: string, origin: string, bindings?: Env) =>
  request(url, { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: origin, 'User-Agent': UA }, body: beacon() }, bindings);

let sent: QueueMessage[][];
beforeEach(() => {
  sent = [];
  vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockImplementation(async (batch) => {
    sent.push([...batch].map((m) => m.body));
    return undefined as never;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('PUBLIC_PATH_PREFIX', () => {
  it('<prefix>/e is the beacon endpoint: a same-origin beacon from the shop is accepted and queued', async () => {
    const res = await post(`${SHOP}/_e/e`, SHOP);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] });
    expect(sent).toHaveLength(1);
  });

  it('the origin check still applies under the prefix, same-origin or not', async () => {
    const foreign = await post(`${SHOP}/_e/e`, 'https://evil.example');
    expect(foreign.status).toBe(403);
    // Same-origin is no pass: the page's origin must still be a registered shop domain.
    const sameButNotShop = await post('https://evil.example/_e/e', 'https://evil.example');
    expect(sameButNotShop.status).toBe(403);
    expect((await sameButNotShop.json<{ error: string }>()).error).toMatch(/SHOP_DOMAINS/);
    expect(sent).toEqual([]);
  });

  it('<prefix>/s.js, <prefix>/s.cmp.js and <prefix>/s.full.js are the tracker files, cached as /s.js is', async () => {
    for (const file of ['s.js', 's.cmp.js', 's.full.js']) {
      const res = await request(`${SHOP}/_e/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toMatch(/javascript/);
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=3600, stale-while-revalidate=86400');
      expect(await res.text()).toContain('smEdge');
    }
  });

  it('no other route moves, and nothing is under the prefix while it is empty', async () => {
    expect((await request(`${SHOP}/_e/health`)).status).toBe(404);
    expect((await request(`${SHOP}/_e/setup`)).status).toBe(404);
    expect((await request(`${SHOP}/_e/x.js`)).status).toBe(404);
    expect((await request(`${SHOP}/_e/api/v1/events`, { method: 'POST' })).status).toBe(404);
    expect((await post(`${SHOP}/_e/e`, SHOP, env)).status).toBe(404);
    expect((await request(`${SHOP}/_e/s.js`, {}, env)).status).toBe(404);
    expect((await request(`${SHOP}/_e/s.js`, { method: 'POST' })).status).toBe(405);
    // The unprefixed endpoint keeps working with a prefix set.
    expect((await post(`${SHOP}/e`, SHOP)).status).toBe(202);
  });

  it('a prefix must be a path, and a name filter lists do not match', () => {
    expect(publicPathProblem('')).toBeNull();
    expect(publicPathProblem('/_e')).toBeNull();
    expect(publicPathProblem('/shop/_x')).toBeNull();
    expect(publicPathProblem('_e')).toMatch(/starting with "\/"/);
    expect(publicPathProblem('/_e/')).toMatch(/trailing/);
    for (const bad of ['/track', '/Analytics', '/collect', '/px/pixel', '/beacons']) expect(publicPathProblem(bad)).toMatch(/filter lists/);
    expect(readConfig({ ...env, PUBLIC_PATH_PREFIX: '/tracking' } as Env).problems).toContainEqual({
      name: 'PUBLIC_PATH_PREFIX',
      problem: expect.stringMatching(/"track"/),
    });
    // An unusable prefix is off (the configuration check names it), never a half-working route.
    expect(unprefixedPath('/_e/e', '')).toBeNull();
    expect(unprefixedPath('/_e/e', '/_e')).toBe('/e');
    expect(unprefixedPath('/_ee/e', '/_e')).toBeNull();
  });

  it('the setup page shows the snippet for both modes, the first-party one with the prefix', async () => {
    const html = async (bindings: Env) =>
      (await request('http://sm-edge.test/setup?lang=en', { headers: { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` } }, bindings)).text();
    const set = await html(withPrefix);
    expect(set).toContain('src=&quot;http://sm-edge.test/s.js&quot;');
    expect(set).toMatch(/id="snippet-first-party">&lt;script async src=&quot;\/_e\/s.js&quot;/);
    expect(set).not.toContain('set PUBLIC_PATH_PREFIX');
    const unset = await html({ ...env, PUBLIC_PATH_PREFIX: '/shop/tracking' } as Env);
    expect(unset).toContain('set PUBLIC_PATH_PREFIX');
  });
});
