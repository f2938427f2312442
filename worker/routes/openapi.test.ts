// GET /openapi.json in workerd: every route of the shop API and the platform webhooks is in it, the
// limits and errors come from the schemas the routes validate with. (The document is validated with a
// standard OpenAPI validator in test/shop-examples, in Node: the validator compiles JSON Schemas at
// run time, which workerd forbids.)
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import { shopEventSchema } from '../ingest/shop-schema.ts';
import { consentsApi } from './consents.ts';
import { hooks } from './hooks.ts';
import { jsonSchemaOf, openApiDocument } from './openapi.ts';
import { shopApi } from './shop-api.ts';
import { privacyApi } from './privacy.ts';

const env: Env = workerEnv;

type Doc = {
  paths: Record<string, Record<string, { description?: string; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

async function served(): Promise<Doc> {
  const res = await app.request('/openapi.json', {}, env);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  return res.json<Doc>();
}

/** hono's ":param" paths as OpenAPI "{param}" paths. */
const asOpenApi = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/(.)\/$/, '$1');

describe('GET /openapi.json', () => {
  it('has every route of the shop API and of the platform webhooks, with their methods', async () => {
    const doc = await served();
    const routes = [
      ...shopApi.routes.map((r) => ({ method: r.method, path: `/api/v1${r.path}` })),
      ...consentsApi.routes.map((r) => ({ method: r.method, path: `/api/v1/consents${r.path}` })),
      ...privacyApi.routes.map((r) => ({ method: r.method, path: `/api/v1${r.path}` })),
      ...hooks.routes.map((r) => ({ method: r.method, path: `/hooks${r.path}` })),
    ].filter((r) => r.method !== 'ALL');
    expect(routes.length).toBeGreaterThanOrEqual(7);
    for (const r of routes) {
      expect(doc.paths[asOpenApi(r.path)]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    }
  });

  it('documents the signature, limits, errors and idempotency', async () => {
    const doc = await served();
    const events = doc.paths['/api/v1/events']!.post!;
    expect(Object.keys(events.responses).sort()).toEqual(['200', '202', '400', '401', '408', '409', '413', '429', '503']);
    expect(events.description).toContain('duplicate');
    expect(Object.keys(doc.paths['/hooks/shopify']!.post!.responses).sort()).toEqual(['200', '401', '403', '413', '503']);
    expect(doc.components.securitySchemes.SmEdgeSignature).toMatchObject({ type: 'apiKey', in: 'header', name: 'Sm-Edge-Signature' });
    expect(doc.components.securitySchemes.shopifySignature).toMatchObject({ name: 'X-Shopify-Hmac-Sha256' });
    const purchase = (doc.components.schemas.ShopEvent as { oneOf: { properties: Record<string, unknown> }[] }).oneOf[0]!;
    expect(purchase.properties.email).toMatchObject({ maxLength: 254, format: 'email' });
    expect(purchase.properties.orderId).toEqual({ anyOf: [{ type: 'string', minLength: 1, maxLength: 128 }, { type: 'number' }] });
    expect(purchase.properties.products).toMatchObject({ minItems: 1, maxItems: 1000 });
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['woocommerce_order_updated', 'shopify_refunds_create']));
  });

  it('a conflicting repost answers with a documented status and body', async () => {
    const doc = await served();
    const post = async (body: unknown) => {
      const raw = JSON.stringify(body);
      const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', '/api/v1/events', raw);
      const res = await app.request(
        '/api/v1/events',
        { method: 'POST', body: raw, headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header } },
        env,
      );
      return { status: res.status, body: await res.json<{ status: string; fields?: string[] }>() };
    };
    const order = {
      type: 'purchase',
      orderId: `oa-${crypto.randomUUID()}`,
      email: 'jan@example.com',
      value: 10,
      currency: 'PLN',
      products: [{ id: 'a', quantity: 1 }],
      occurredAt: '2026-11-20T14:03:00+01:00',
    };
    expect((await post(order)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1100)); // a new signature time
    const conflict = await post({ ...order, value: 11 });
    expect(conflict.status).toBe(409);
    expect(Object.keys(doc.paths['/api/v1/events']!.post!.responses)).toContain(String(conflict.status));
    const outcome = doc.components.schemas.Outcome as { properties: { status: { enum: string[] }; fields: unknown } };
    expect(outcome.properties.status.enum).toContain(conflict.body.status);
    expect(outcome.properties.fields).toBeDefined();
  });

  it('is generated from the same schema the route validates with', () => {
    expect(openApiDocument().components.schemas.ShopEvent).toEqual(jsonSchemaOf(shopEventSchema));
  });
});
