// The person's rights and the consent proof (docs/privacy.md), every request signed like the shop API:
//   POST /api/v1/contacts/erase   {email} -> 202 {id, status: "queued"}     (art. 17, consent/erasure.ts)
//   POST /api/v1/contacts/export  {email} -> 200 {email, consents, events, …} (art. 15, consent/access.ts)
//   POST /api/v1/consents/proof   {email} -> 200 {items: [...]}, oldest first (consent/proof.ts)
// The e-mail travels in the body, never in a URL.
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { readJson } from '../http/json.ts';
import { shopSignature } from '../http/shop-signature.ts';
import { exportContact } from '../consent/access.ts';
import { readEmail } from '../consent/email.ts';
import { eraseContact, ErasureQueueError } from '../consent/erasure.ts';
import { proofOf } from '../consent/proof.ts';
import { logError } from '../log.ts';

const MAX_BODY_BYTES = 1024;

async function emailOf(c: Context<AppEnv>): Promise<{ ok: true; email: string } | { ok: false; response: Response }> {
  const json = await readJson(c);
  if (!json.ok) return { ok: false, response: c.json({ error: json.error }, 400) };
  const raw = (json.value as { email?: unknown }).email;
  if (raw !== undefined && typeof raw !== 'string') return { ok: false, response: c.json({ error: 'email: must be a string' }, 400) };
  const read = readEmail(raw as string | undefined);
  if (!read.ok) return { ok: false, response: c.json({ error: read.error }, 400) };
  return { ok: true, email: read.email };
}

const unavailable = (c: Context<AppEnv>, err: unknown, what: string) => {
  logError(`${what} failed`, {}, err);
  c.header('Retry-After', '30');
  return c.json({ error: `the ${what} could not be completed now; nothing is lost, retry later` }, 503);
};

export const privacyApi = new Hono<AppEnv>();

privacyApi.post('/contacts/erase', shopSignature(MAX_BODY_BYTES), async (c) => {
  const read = await emailOf(c);
  if (!read.ok) return read.response;
  // shopSignature has checked it: a signed request means the secret is set.
  const secret = c.var.config.shopApiSecret!;
  try {
    const { id } = await eraseContact(c.env, secret, read.email, { source: 'api' });
    return c.json({ id, status: 'queued' }, 202);
  } catch (err) {
    return unavailable(c, err, err instanceof ErasureQueueError ? 'erasure (queue)' : 'erasure');
  }
});

privacyApi.post('/contacts/export', shopSignature(MAX_BODY_BYTES), async (c) => {
  const read = await emailOf(c);
  if (!read.ok) return read.response;
  try {
    return c.json(await exportContact(c.env.LEDGER, c.env.CONSENTS, read.email));
  } catch (err) {
    return unavailable(c, err, 'export');
  }
});

privacyApi.post('/consents/proof', shopSignature(MAX_BODY_BYTES), async (c) => {
  const read = await emailOf(c);
  if (!read.ok) return read.response;
  try {
    return c.json({ items: await proofOf(c.env.LEDGER, read.email) });
  } catch (err) {
    return unavailable(c, err, 'proof lookup');
  }
});
