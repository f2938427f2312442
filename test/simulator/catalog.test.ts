// The simulator's API v3 product catalog: the API-KEY header, catalogs, products with their field
// limits and reason codes (a refused request stores nothing; reason 12 trims and answers 200), the
// narrower calls, faults, and /__sim/state showing catalogs with their products.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimulationState, type Simulator } from './server.ts';

const KEY = 'sim-v3-key';
const SEED = { catalogId: 'cat-seed', name: 'Seed', currency: 'PLN', location: 'sm_test' };

let sim: Simulator;
beforeEach(async () => {
  sim ??= await startSimulator({ accounts: [{ clientId: 'c1', apiSecret: 'secret-1', owner: 'o@example.com', apiV3Key: KEY, catalogs: [SEED] }] });
  sim.reset();
});
afterAll(() => sim?.close());

async function v3(path: string, body?: unknown, key: string | null = KEY, method = 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(key === null ? {} : { 'API-KEY': key }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const product = (id: string, extra: Record<string, unknown> = {}) => ({
  productId: id,
  name: 'Kubek',
  productUrl: 'https://shop.example.com/p/1',
  price: 10,
  quantity: 3,
  available: true,
  ...extra,
});
const products = (): Record<string, unknown>[] => (sim.state().catalogs.find((c) => c.catalogId === SEED.catalogId)?.products ?? []) as never;

describe('simulator API v3', () => {
  it('refuses a missing or unknown API-KEY with reason 10', async () => {
    expect(await v3('/v3/product/catalogList', undefined, null, 'GET')).toEqual({
      status: 400,
      body: { messages: ['Authentication failed: missing or unknown API-KEY'], reasonCode: 10 },
    });
    expect((await v3('/v3/product/upsert', { catalogId: SEED.catalogId, products: [product('a')] }, 'nope')).body.reasonCode).toBe(10);
    expect(products()).toEqual([]);
  });

  it('lists catalogs with their limit, creates one, refuses a duplicate name and a bad location', async () => {
    expect(await v3('/v3/product/catalogList', undefined, KEY, 'GET')).toEqual({
      status: 200,
      body: { catalogs: [{ ...SEED, setAsDefault: false }], limits: { max: 5 } },
    });
    const created = await v3('/v3/product/catalogUpsert', { name: 'Shop', currency: 'EUR', location: 'shop_eu' });
    expect(created.status).toBe(200);
    expect(typeof created.body.catalogId).toBe('string');
    expect(sim.state().catalogs.map((c) => c.name)).toEqual(['Seed', 'Shop']);
    expect((await v3('/v3/product/catalogUpsert', { name: 'Shop', currency: 'EUR', location: 'shop_eu' })).body).toEqual({
      problems: [{ reasonCode: 15, message: 'name' }],
    });
    expect((await v3('/v3/product/catalogUpsert', { name: 'X', currency: 'EUR', location: '1bad' })).body.problems).toEqual([
      { reasonCode: 14, message: 'location:[a-zA-Z_][a-zA-Z0-9_]{2,35}' },
    ]);
    expect((await v3('/v3/product/catalogUpsert', { currency: 'EUR', location: 'abc' })).body.problems).toEqual([{ reasonCode: 13, message: 'name' }]);
  });

  it('upserts products; a new one needs name and productUrl; over-long fields refuse the whole request', async () => {
    expect((await v3('/v3/product/upsert', { catalogId: SEED.catalogId, products: [product('a'), product('b')] })).status).toBe(200);
    expect(products().map((p) => p.productId)).toEqual(['a', 'b']);
    const refused = await v3('/v3/product/upsert', {
      catalogId: SEED.catalogId,
      products: [product('c'), { productId: 'd', name: 'x'.repeat(256), productUrl: 'https://x' }, { productId: 'e' }],
    });
    expect(refused).toEqual({
      status: 400,
      body: {
        problems: [
          { reasonCode: 11, message: 'products[1].name|min:0|max:255' },
          { reasonCode: 13, message: 'products[2].name' },
          { reasonCode: 13, message: 'products[2].productUrl' },
        ],
      },
    });
    expect(products().map((p) => p.productId)).toEqual(['a', 'b']);
    // An existing product may be sent with fewer fields.
    expect((await v3('/v3/product/upsert', { catalogId: SEED.catalogId, products: [{ productId: 'a', available: false, active: false }] })).status).toBe(200);
    expect(products()[0]).toMatchObject({ productId: 'a', name: 'Kubek', available: false, active: false, updates: 1 });
    expect((await v3('/v3/product/upsert', { catalogId: 'nope', products: [product('a')] })).body.problems).toEqual([
      { reasonCode: 13, message: 'catalogId nope not found' },
    ]);
    const many = Array.from({ length: 101 }, (_, i) => product(`m${i}`));
    expect((await v3('/v3/product/upsert', { catalogId: SEED.catalogId, products: many })).body.problems).toEqual([
      { reasonCode: 11, message: 'products|min:1|max:100' },
    ]);
  });

  it('trims a long description with reason 12 on a 200', async () => {
    const res = await v3('/v3/product/upsert', { catalogId: SEED.catalogId, products: [product('t', { description: 'd'.repeat(2100) })] });
    expect(res.status).toBe(200);
    expect(res.body.problems).toEqual([{ reasonCode: 12, message: 'products[0].description|max:2000' }]);
    expect((products()[0]?.description as string | undefined)?.length).toBe(2000);
  });

  it('updateQuantity and updatePrice change only their fields, of products in the catalog', async () => {
    await v3('/v3/product/upsert', { catalogId: SEED.catalogId, products: [product('a', { discountPrice: 8 })] });
    expect((await v3('/v3/product/updateQuantity', { catalogId: SEED.catalogId, products: [{ productId: 'a', quantity: 0 }] })).status).toBe(200);
    expect((await v3('/v3/product/updatePrice', { catalogId: SEED.catalogId, products: [{ productId: 'a', price: 12 }] })).status).toBe(200);
    expect(products()[0]).toMatchObject({ quantity: 0, price: 12, name: 'Kubek', updates: 2 });
    expect(products()[0]).not.toHaveProperty('discountPrice');
    expect((await v3('/v3/product/updateQuantity', { catalogId: SEED.catalogId, products: [{ productId: 'zz', quantity: 1 }] })).body.problems).toEqual([
      { reasonCode: 13, message: 'products[0].productId zz not in the catalog' },
    ]);
    expect((await v3('/v3/product/updateQuantity', { catalogId: SEED.catalogId, products: [{ productId: 'a', quantity: 1.5 }] })).body.problems).toEqual([
      { reasonCode: 14, message: 'products[0].quantity:integer' },
    ]);
  });

  it('applies faults to v3 paths, logs calls and counts products in the state; reset keeps the seeded catalogs', async () => {
    sim.setFaults({ '/v3/product/upsert': { errorRate: 1 } });
    expect((await v3('/v3/product/upsert', { catalogId: SEED.catalogId, products: [product('a')] })).status).toBeGreaterThanOrEqual(500);
    sim.setFaults({});
    await v3('/v3/product/upsert', { catalogId: SEED.catalogId, products: [product('a'), product('b')] });
    const state: SimulationState = (await (await fetch(`${sim.url}/__sim/state`)).json()) as SimulationState;
    expect(state.counts.products).toBe(2);
    expect(state.counts.byPath['/v3/product/upsert']).toBe(2);
    expect(sim.calls().at(-1)).toMatchObject({ path: '/v3/product/upsert', status: 200, ok: true, items: 2 });
    sim.reset();
    expect(sim.state().catalogs.map((c) => [c.catalogId, c.products.length])).toEqual([[SEED.catalogId, 0]]);
  });
});
