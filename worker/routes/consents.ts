// The shop's view of newsletter consents (docs/contracts.md "Shop server API"), every request signed:
//   GET /api/v1/consents/<email>                 -> {email, status: "opt-in"|"opt-out"|"unknown", changedAt?}
//   GET /api/v1/consents?since=<cursor>&limit=<n> -> {items: [{email, status, changedAt}], next}
//   POST /api/v1/consents/lookup {"email": "<email>"}  -> as GET /<email>, with the e-mail kept out of
//                                                         the URL (and so out of platform traces)
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { withConfig } from '../http/config.ts';
import { shopSignature } from '../http/shop-signature.ts';
import { isCursor, listChanges } from '../consent/changes.ts';
import { readEmail } from '../consent/email.ts';
import { readConsent } from '../consent/store.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** The lookup body is one e-mail address. */
const MAX_LOOKUP_BYTES = 1024;

async function lookup(kv: KVNamespace, raw: string | null | undefined) {
  const read = readEmail(raw);
  if (!read.ok) return { status: 400 as const, body: { error: read.error } };
  const stored = await readConsent(kv, read.email);
  if (!stored) return { status: 200 as const, body: { email: read.email, status: 'unknown' } };
  return { status: 200 as const, body: { email: read.email, status: stored.status, changedAt: stored.changedAt } };
}

export const consentsApi = new Hono<AppEnv>()
  // The method first: nothing but the lookup POST carries a body here, so no other body is read.
  .use(async (c, next) => {
    const isLookup = c.req.method === 'POST' && new URL(c.req.url).pathname.endsWith('/lookup');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !isLookup) {
      c.header('Allow', 'GET');
      return c.json({ error: `${c.req.method} is not allowed here: consents are read with GET (or POST /api/v1/consents/lookup)` }, 405);
    }
    await next();
  })
  .use(withConfig, shopSignature(MAX_LOOKUP_BYTES))
  .post('/lookup', async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json({ error: 'body: is not valid JSON' }, 400);
    }
    const email = raw && typeof raw === 'object' && 'email' in raw && typeof raw.email === 'string' ? raw.email : null;
    const answer = await lookup(c.env.CONSENTS, email);
    return c.json(answer.body, answer.status);
  })
  .get('/', async (c) => {
    const since = c.req.query('since') ?? '';
    if (since !== '' && !isCursor(since)) {
      return c.json({ error: 'since must be a cursor returned as "next" by this API' }, 400);
    }
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return c.json({ error: `limit must be an integer from 1 to ${MAX_LIMIT}` }, 400);
    }
    const page = await listChanges(c.env.LEDGER, { since, limit });
    return c.json({
      items: page.items.map(({ email, status, changedAt }) => ({ email, status, changedAt })),
      next: page.next,
    });
  })
  .get('/:email', async (c) => {
    const answer = await lookup(c.env.CONSENTS, c.req.param('email'));
    return c.json(answer.body, answer.status);
  });
