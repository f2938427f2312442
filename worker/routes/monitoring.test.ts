// GET /m.js: the loader of SALESmanago's monitoring code for the configured account (shop/monitoring.ts).
// That it runs in a page, and only after consent, is test/browser/monitoring.test.ts.
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { app } from '../index.ts';
import { monitoringScript } from '../shop/monitoring.ts';

const env: Env = workerEnv;
const account = { ...env, SALESMANAGO_ENDPOINT: 'https://app3.salesmanago.com/', SALESMANAGO_CLIENT_ID: 'abc123xyz' } as Env;

describe('GET /m.js', () => {
  it("answers the plugin's loader with this account's client id and sm.js URL, as JavaScript, cacheable", async () => {
    const res = await app.request('https://sm-edge.test/m.js', {}, account);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
    const js = await res.text();
    expect(js).toMatch(/^var _smid = "abc123xyz";/);
    expect(js).toContain(`w.SalesmanagoObject = r;`);
    expect(js).toContain(`})(window, 'sm', "https://app3.salesmanago.com/static/sm.js");`);
    // Nothing secret in a public file.
    expect(js).not.toContain(account.SALESMANAGO_API_SECRET);
  });

  it('is served under PUBLIC_PATH_PREFIX too (first-party mode)', async () => {
    const res = await app.request('https://shop.example/_e/m.js', {}, { ...account, PUBLIC_PATH_PREFIX: '/_e' } as Env);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('"https://app3.salesmanago.com/static/sm.js"');
  });

  it('loads nothing while SALESmanago is not configured, and breaks no page', async () => {
    const res = await app.request('https://sm-edge.test/m.js', {}, { ...account, SALESMANAGO_CLIENT_ID: '' } as Env);
    expect(res.status).toBe(200);
    const js = await res.text();
    expect(js).not.toContain('sm.js');
    expect(js.trim()).toMatch(/^\/\*.*\*\/$/);
  });

  it('writes values as JavaScript string literals', () => {
    expect(monitoringScript({ endpoint: 'https://a.example', clientId: `x";alert(1);"` })).toContain(`var _smid = "x\\";alert(1);\\"";`);
  });
});
