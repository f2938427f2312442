// The shop's view of newsletter consents (docs/contracts.md "Shop server API"), every request signed:
//   GET /api/v1/consents/<email>                 -> {email, status: "opt-in"|"opt-out"|"unknown", changedAt?}
//   GET /api/v1/consents?since=<cursor>&limit=<n> -> {items: [{email, status, changedAt}], next}
//   POST /api/v1/consents/lookup {"email": "<email>"}  -> as GET /<email>, with the e-mail kept out of
//                                                         the URL (and so out of platform traces)
// Each route calls one function of consent/requests.ts.
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { InvalidRequest, MethodNotAllowed } from '../errors.ts';
import { MAX_EMAIL_BODY_BYTES } from '../http/body-limits.ts';
import { shopSignature } from '../http/shop-signature.ts';
import { changesRequest, lookupConsent, lookupConsentOfBody } from '../consent/requests.ts';

export const consentsApi = new Hono<AppEnv>()
  // The method first: nothing but the lookup POST carries a body here, so no other body is read.
  .use(async (c, next) => {
    const isLookup = c.req.method === 'POST' && new URL(c.req.url).pathname.endsWith('/lookup');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !isLookup) {
      throw new MethodNotAllowed(`${c.req.method} is not allowed here: consents are read with GET (or POST /api/v1/consents/lookup)`, 'GET');
    }
    await next();
  })
  .use(shopSignature(MAX_EMAIL_BODY_BYTES))
  .post('/lookup', async (c) => {
    // Any JSON is read (a body without a string e-mail is answered as a missing e-mail).
    const body: unknown = await c.req.json().catch(() => {
      throw new InvalidRequest('body: is not valid JSON');
    });
    return c.json(await lookupConsentOfBody(c.env.CONSENTS, body));
  })
  .get('/', async (c) => c.json(await changesRequest(c.env.LEDGER, { since: c.req.query('since'), limit: c.req.query('limit') })))
  .get('/:email', async (c) => c.json(await lookupConsent(c.env.CONSENTS, c.req.param('email'))));
