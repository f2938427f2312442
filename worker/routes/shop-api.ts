// Shop server API (docs/contracts.md "Shop server API"): order events, contacts, history batches and
// the product catalog. Every request is signed (shopSignature: 401 when missing, wrong, outside ±300 s
// or replayed), its body capped (http/body-limits.ts). Each route reads the JSON body and calls one
// function: ingest/shop.ts (ledger first, then the queue: ingest/enqueue.ts) or catalog/accept.ts,
// which answers the outcome or throws the refusal (worker/errors.ts, answered by app.onError).
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { MAX_BATCH_BODY_BYTES, MAX_SHOP_BODY_BYTES } from '../http/body-limits.ts';
import { readJson } from '../http/json.ts';
import { shopSignature } from '../http/shop-signature.ts';
import { acceptBatchRequest, acceptContactRequest, acceptEventRequest } from '../ingest/shop.ts';
import { acceptProductsRequest } from '../catalog/accept.ts';

// Signature header, then body size, then the body (http/shop-signature.ts), and the replay record.
const limit = (maxSize: number) => shopSignature(maxSize);
// The same, for a route whose enqueue runs the replay record in its ledger batch (it must pass
// `claim: c.get('signatureClaim')`): one D1 round trip per signed request.
const limitWithLedger = (maxSize: number) => shopSignature(maxSize, { replayGuard: 'with-ledger' });

export const shopApi = new Hono<AppEnv>();

shopApi.post('/events', limitWithLedger(MAX_SHOP_BODY_BYTES), async (c) => {
  const outcome = await acceptEventRequest(c.env, await readJson(c), {
    receivedAt: Date.now(),
    claim: c.get('signatureClaim'),
    ledgers: c.var.config.ledgerDatabases,
  });
  return c.json(outcome, outcome.status === 'duplicate' ? 200 : 202);
});

shopApi.post('/contacts', limitWithLedger(MAX_SHOP_BODY_BYTES), async (c) => {
  const request = { receivedAt: Date.now(), claim: c.get('signatureClaim'), ledgers: c.var.config.ledgerDatabases };
  return c.json(await acceptContactRequest(c.env, c.var.config.shopApiSecret, await readJson(c), request), 202);
});

shopApi.post('/batch', limitWithLedger(MAX_BATCH_BODY_BYTES), async (c) => {
  const request = { receivedAt: Date.now(), claim: c.get('signatureClaim'), ledgers: c.var.config.ledgerDatabases };
  const { items } = await acceptBatchRequest(c.env, c.var.config.shopApiSecret, await readJson(c), request);
  return c.json({ items }, items.some((i) => i.status === 'queued') ? 202 : 200);
});

// The product catalog (docs/catalog.md): up to 500 products, refused whole when one is invalid;
// unchanged ones (same content as last accepted) are counted and not sent again.
shopApi.post('/products', limit(MAX_BATCH_BODY_BYTES), async (c) => {
  const receivedAt = Date.now();
  return c.json(await acceptProductsRequest(c.env, await readJson(c), c.var.config.catalog.catalogId, receivedAt), 202);
});
