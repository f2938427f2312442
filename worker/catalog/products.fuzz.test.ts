// Property: whatever a signed shop posts to /api/v1/products, the answer is a 202 with counts or a 4xx
// with {"error"} naming products[i] or the body (or a replayed signature: the same body twice in a
// second): never a 5xx.
import { env as workerEnv } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;

const junk = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, 'x', '', '\ud800', '\u0000', [], {}, [1], 'https://'),
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.double(),
  fc.integer(),
);
const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 10, arbitrary: good }, { weight: 1, arbitrary: junk });

const product = fc.record(
  {
    id: maybe(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.nat())),
    name: maybe(fc.string({ minLength: 1, maxLength: 40 })),
    url: maybe(fc.webUrl()),
    imageUrls: maybe(fc.array(fc.webUrl(), { maxLength: 3 })),
    price: maybe(fc.double({ min: 0, max: 1e6, noNaN: true })),
    discountPrice: maybe(fc.double({ min: 0, max: 1e6, noNaN: true })),
    currency: maybe(fc.constantFrom('PLN', 'eur', 'USD')),
    available: maybe(fc.boolean()),
    quantity: maybe(fc.nat({ max: 1000 })),
    categories: maybe(fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 })),
    description: maybe(fc.string({ maxLength: 100 })),
    details: maybe(fc.array(fc.string({ maxLength: 10 }), { maxLength: 6 })),
    deleted: maybe(fc.boolean()),
  },
  { requiredKeys: ['id', 'name', 'url', 'price', 'currency', 'available'] },
);

const body = fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 100, unit: 'binary' }), {
  weight: 4,
  arbitrary: fc.record({ products: fc.array(product, { minLength: 0, maxLength: 5 }) }).map((b) => JSON.stringify(b)),
});

describe('fuzzing POST /api/v1/products', () => {
  it('never answers 5xx', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', '/api/v1/products', raw);
        const res = await app.request(
          '/api/v1/products',
          { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw },
          env,
        );
        const text = await res.text();
        seen.add(res.status);
        expect(res.status, text).toBeLessThan(500);
        if (res.status >= 400) expect(JSON.parse(text).error, text).toMatch(/^(products(\[\d+\])?|body|Sm-Edge-Signature was already used)/);
      }),
      { numRuns: 150 },
    );
    expect([...seen]).toEqual(expect.arrayContaining([202, 400]));
  }, 120_000);
});
