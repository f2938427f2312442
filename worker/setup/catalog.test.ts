// /setup's product catalog section in workerd against the simulator: the account's catalogs with the
// linked one, a location that disagrees, creating a catalog (currency and location) and linking it.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;
const ORIGIN = 'http://sm-edge.test';
const AUTH = `Basic ${btoa(`merchant:${env.ADMIN_PASSWORD!}`)}`;

async function page(path: string, options: { form?: Record<string, string>; bindings?: Env } = {}) {
  const ctx = createExecutionContext();
  const post = options.form !== undefined;
  const res = await app.request(
    `${ORIGIN}${path}`,
    {
      method: post ? 'POST' : 'GET',
      headers: { Authorization: AUTH, 'Accept-Language': 'en', ...(post ? { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN } : {}) },
      ...(post ? { body: new URLSearchParams(options.form).toString() } : {}),
    },
    options.bindings ?? env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, html: await res.text() };
}

async function simCatalogs(): Promise<{ catalogId: string; name: string; currency: string; location: string }[]> {
  return (
    await (
      await fetch(`${env.SALESMANAGO_ENDPOINT}/__sim/state`)
    ).json<{ catalogs: { catalogId: string; name: string; currency: string; location: string }[] }>()
  ).catalogs;
}

describe('/setup product catalog', () => {
  it("lists the account's catalogs and marks the linked one", async () => {
    const { status, html } = await page('/setup');
    expect(status).toBe(200);
    expect(html).toContain('id="catalogs"');
    expect(html).toMatch(new RegExp(`data-catalog="${env.SALESMANAGO_CATALOG_ID}"[\\s\\S]*?class="linked"`));
    expect(html).not.toContain('id="catalog-location"');
    expect(html).toContain('id="catalog-figures"');
  });

  it("warns when the linked catalog's location differs from the events' location", async () => {
    const { html } = await page('/setup', { bindings: { ...env, SALESMANAGO_LOCATION: 'other_location' } });
    expect(html).toContain('id="catalog-location"');
    expect(html).toContain('other_location');
  });

  it('is off without an API v3 key, and names a wrong key', async () => {
    expect((await page('/setup', { bindings: { ...env, SALESMANAGO_API_V3_KEY: '' } })).html).toContain('id="catalog-off"');
    const wrong = await page('/setup', { bindings: { ...env, SALESMANAGO_API_V3_KEY: 'wrong-key' } });
    expect(wrong.html).toMatch(/id="catalog-error"[\s\S]*reasonCode 10/);
  });

  it("creates a catalog with the currency given and the events' location, and links it", async () => {
    const unlinked: Env = { ...env, SALESMANAGO_CATALOG_ID: '' };
    const name = `shop-${crypto.randomUUID().slice(0, 8)}`;
    const { status, html } = await page('/setup/catalog/create', { form: { name, currency: 'eur' }, bindings: unlinked });
    expect(status).toBe(200);
    const created = (await simCatalogs()).find((c) => c.name === name);
    expect(created).toMatchObject({ currency: 'EUR', location: env.SALESMANAGO_LOCATION });
    expect(html).toMatch(/id="catalog-result"[^>]*data-ok="true"/);
    expect(html).toContain(`Product catalog (catalogId): ${created!.catalogId}`);
    // The result is at the top too, and its (folded) section is open.
    expect(html).toMatch(/id="action-result" class="banner ok" data-action="catalog" data-ok="true"><a href="#catalog-result">/);
    expect(html).toMatch(/<details class="fold" id="fold-catalog" data-fold="catalog" open="" data-force="open">/);
    const bad = await page('/setup/catalog/create', { form: { name: 'x', currency: 'euro' }, bindings: unlinked });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('currency: must be a 3-letter currency code');
  });
});
