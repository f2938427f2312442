// Property: whatever a platform (or anyone) sends to /hooks/*, the answer is a 2xx or a 4xx with a JSON
// {"error"}: never a 5xx. Bodies are validly signed in most runs, so they reach the payload schemas
// and the mappers; the orders are the documented shapes with fields replaced by junk.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacBase64 } from './signature.ts';
import {
  env,
  postHook,
  SHOPIFY_DOMAIN,
  SHOPIFY_SECRET,
  shopifyCustomer,
  shopifyOrder,
  shopifyRefund,
  WOO_SECRET,
  wooCustomer,
  wooOrder,
} from '../test/platform-fixtures.ts';

const RUNS = 150;

const headerValue = fc.string({ maxLength: 80, unit: 'grapheme-ascii' }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());
/** Header values that are names of Object members: a lookup by topic once answered these with a 500. */
const objectMember = fc.constantFrom('valueOf', '__proto__', 'constructor', 'toString', 'hasOwnProperty');
const junk = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, 'x', '', '\ud800', '\u0000', [], {}, [1], { a: 1 }, '12.5', '-0', 'NaN'),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.double(),
  fc.integer(),
);

/** A documented payload with some of its fields (at any depth, up to 2) replaced by junk or removed. */
function mutated(base: () => Record<string, unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.option(junk, { nil: undefined })), { maxLength: 4 }), fc.boolean()).map(([edits, keep]) => {
    const value = structuredClone(base()) as Record<string, unknown>;
    if (keep) return value;
    for (const [a, b, replacement] of edits) {
      const keys = Object.keys(value);
      const key = keys[a % keys.length]!;
      const inner = value[key];
      if (inner && typeof inner === 'object' && b % 2 === 0) {
        const innerKeys = Object.keys(inner);
        if (innerKeys.length > 0) (inner as Record<string, unknown>)[innerKeys[b % innerKeys.length]!] = replacement;
      } else {
        value[key] = replacement;
      }
    }
    return value;
  });
}

const rawOf = (body: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: body.map((b) => JSON.stringify(b) ?? 'null') },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
  );

async function check(path: string, raw: string, headers: Record<string, string>) {
  const res = await postHook(path, raw, headers);
  expect(res.status, `${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(500);
  expect(res.status === 200 || typeof res.body.error === 'string').toBe(true);
}

describe('fuzzing the platform routes: never a 5xx', () => {
  it('WooCommerce bodies and headers', async () => {
    const topic = fc.oneof(
      fc.constantFrom('order.created', 'order.updated', 'order.deleted', 'customer.created', 'customer.updated'),
      objectMember,
      headerValue,
    );
    const body = fc.oneof(
      mutated(() => wooOrder({ status: 'processing', refunds: [{ id: 1, reason: '', total: '-1.00' }] })),
      mutated(() => wooCustomer()),
      mutated(() => ({ webhook_id: 3 })),
    );
    await fc.assert(
      fc.asyncProperty(rawOf(body), topic, fc.boolean(), fc.option(headerValue, { nil: undefined }), async (raw, t, signed, deliveryId) => {
        const headers: Record<string, string> = { 'X-WC-Webhook-Topic': t };
        if (deliveryId !== undefined) headers['X-WC-Webhook-Delivery-ID'] = deliveryId;
        headers['X-WC-Webhook-Signature'] = signed ? await hmacBase64(WOO_SECRET, new TextEncoder().encode(raw)) : 'x';
        await check('/hooks/woocommerce', raw, headers);
      }),
      { numRuns: RUNS },
    );
  }, 30_000); // 150 runs: over 5 s on a loaded 2-core machine

  it('Shopify bodies and headers', async () => {
    const topic = fc.oneof(
      fc.constantFrom('orders/create', 'orders/paid', 'orders/cancelled', 'refunds/create', 'customers/create', 'customers/update'),
      objectMember,
      headerValue,
    );
    const body = fc.oneof(
      mutated(() => shopifyOrder()),
      mutated(() => shopifyRefund(1)),
      mutated(() => shopifyCustomer({ email_marketing_consent: { state: 'subscribed' } })),
    );
    await fc.assert(
      fc.asyncProperty(rawOf(body), topic, fc.boolean(), fc.oneof(fc.constant(SHOPIFY_DOMAIN), headerValue), async (raw, t, signed, domain) => {
        await check('/hooks/shopify', raw, {
          'X-Shopify-Topic': t,
          'X-Shopify-Shop-Domain': domain,
          'X-Shopify-Webhook-Id': crypto.randomUUID(),
          'X-Shopify-Hmac-Sha256': signed ? await hmacBase64(SHOPIFY_SECRET, new TextEncoder().encode(raw)) : 'AAAA',
        });
      }),
      { numRuns: RUNS },
    );
  }, 30_000); // 150 runs: over 5 s on a loaded 2-core machine

  it('unconfigured platforms refuse with 401, not 5xx', async () => {
    const res = await postHook('/hooks/shopify', '{}', { 'X-Shopify-Topic': 'orders/paid' }, { ...env, SHOPIFY_WEBHOOK_SECRET: '' });
    expect(res.status).toBe(401);
  });
});
