// The shop's view of newsletter consents (design.md "Shop server API"), every request signed:
//   GET /api/v1/consents/<email>                 -> {email, status: "opt-in"|"opt-out"|"unknown", changedAt?}
//   GET /api/v1/consents?since=<cursor>&limit=<n> -> {items: [{email, status, changedAt}], next}
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { verifyShopSignature } from '../identity/signature.ts';
import { isCursor, listChanges } from '../consent/changes.ts';
import { readEmail } from '../consent/email.ts';
import { readConsent } from '../consent/store.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export const consentsApi = new Hono<AppEnv>()
  .use(verifyShopSignature)
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
    const read = readEmail(c.req.param('email'));
    if (!read.ok) return c.json({ error: read.error }, 400);
    const stored = await readConsent(c.env.CONSENTS, read.email);
    if (!stored) return c.json({ email: read.email, status: 'unknown' });
    return c.json({ email: read.email, status: stored.status, changedAt: stored.changedAt });
  });
