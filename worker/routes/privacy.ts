// The person's rights and the consent proof (docs/privacy.md), every request signed like the shop API:
//   POST /api/v1/contacts/erase   {email} -> 202 {id, status: "queued"}     (art. 17, consent/erasure.ts)
//   POST /api/v1/contacts/export  {email} -> 200 {email, consents, events, …} (art. 15, consent/access.ts)
//   POST /api/v1/consents/proof   {email} -> 200 {items: [...]}, oldest first (consent/proof.ts)
// The e-mail travels in the body, never in a URL. Each route calls one function of consent/requests.ts.
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { MAX_EMAIL_BODY_BYTES } from '../http/body-limits.ts';
import { readJson } from '../http/json.ts';
import { shopSignature } from '../http/shop-signature.ts';
import { eraseRequest, exportRequest, proofRequest } from '../consent/requests.ts';

export const privacyApi = new Hono<AppEnv>();

privacyApi.post('/contacts/erase', shopSignature(MAX_EMAIL_BODY_BYTES), async (c) => {
  // shopSignature has checked it: a signed request means the secret is set.
  return c.json(await eraseRequest(c.env, c.var.config.shopApiSecret!, await readJson(c), c.var.config.ledgerDatabases), 202);
});

privacyApi.post('/contacts/export', shopSignature(MAX_EMAIL_BODY_BYTES), async (c) =>
  c.json(await exportRequest(c.env, await readJson(c), c.var.config.ledgerDatabases)),
);

privacyApi.post('/consents/proof', shopSignature(MAX_EMAIL_BODY_BYTES), async (c) => c.json(await proofRequest(c.env, await readJson(c))));
