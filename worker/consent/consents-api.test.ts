import { env as workerEnv } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import { recordConsent } from './store.ts';

const env: Env = workerEnv;
const SECRET = env.SHOP_API_SECRET!;

async function signedGet(path: string, secret = SECRET) {
  const header = await sign(secret, Math.floor(Date.now() / 1000), 'GET', path, '');
  const res = await app.request(path, { headers: { 'Sm-Edge-Signature': header } }, env);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

let n = 0;
const address = () => `api-${Date.now()}-${++n}@example.com`;

describe('GET /api/v1/consents/<email>', () => {
  it('answers the stored status, for any spelling of the address', async () => {
    const email = address();
    await recordConsent(env.CONSENTS, { email, status: 'opt-in', changedAt: 1234, source: 'salesmanago' }, { log: env.LEDGER });
    for (const spelled of [email, email.toUpperCase(), email.replace('@', '%40')]) {
      expect(await signedGet(`/api/v1/consents/${spelled}`)).toEqual({
        status: 200,
        body: { email, status: 'opt-in', changedAt: 1234 },
      });
    }
  });

  it('answers "unknown" for an address never seen', async () => {
    const email = address();
    expect(await signedGet(`/api/v1/consents/${email}`)).toEqual({ status: 200, body: { email, status: 'unknown' } });
  });

  it('refuses an address that is not one with 400', async () => {
    const res = await signedGet('/api/v1/consents/not-an-address');
    expect(res).toEqual({ status: 400, body: { error: 'email is not an e-mail address' } });
  });

  it('refuses unsigned, wrongly signed and stale requests with 401', async () => {
    const path = `/api/v1/consents/${address()}`;
    expect((await app.request(path, {}, env)).status).toBe(401);
    expect((await signedGet(path, 'not-the-shop-api-secret')).status).toBe(401);
    const stale = await sign(SECRET, Math.floor(Date.now() / 1000) - 301, 'GET', path, '');
    expect((await app.request(path, { headers: { 'Sm-Edge-Signature': stale } }, env)).status).toBe(401);
  });

  it('answers a repeated read: two identical polls in one second share a signature', async () => {
    const path = `/api/v1/consents/${address()}`;
    const header = await sign(SECRET, Math.floor(Date.now() / 1000), 'GET', path, '');
    expect((await app.request(path, { headers: { 'Sm-Edge-Signature': header } }, env)).status).toBe(200);
    expect((await app.request(path, { headers: { 'Sm-Edge-Signature': header } }, env)).status).toBe(200);
  });
});

describe('GET /api/v1/consents?since=&limit=', () => {
  beforeEach(async () => {
    await env.LEDGER.batch([env.LEDGER.prepare('DELETE FROM consent_changes'), env.LEDGER.prepare('DELETE FROM consent_latest')]);
  });

  it('pages through changes oldest first, following next; a fresh change is there at once', async () => {
    const t0 = Date.now() - 10 * 60_000;
    const emails: string[] = [];
    for (let i = 0; i < 7; i++) {
      const email = address();
      emails.push(email);
      await recordConsent(
        env.CONSENTS,
        { email, status: i % 2 ? 'opt-out' : 'opt-in', changedAt: t0 + i * 30_000, source: 'salesmanago' },
        { now: t0 + i * 30_000, log: env.LEDGER },
      );
    }
    // Fresh: recorded now, and in the feed at once (D1, not KV listing).
    const fresh = address();
    emails.push(fresh);
    await recordConsent(env.CONSENTS, { email: fresh, status: 'opt-in', changedAt: Date.now(), source: 'salesmanago' }, { log: env.LEDGER });

    const got: Array<{ email: string; status: string; changedAt: number }> = [];
    let next = '';
    let pages = 0;
    for (;;) {
      const res = await signedGet(`/api/v1/consents?limit=3${next ? `&since=${next}` : ''}`);
      expect(res.status).toBe(200);
      const body = res.body as { items: typeof got; next: string };
      expect(typeof body.next).toBe('string');
      if (body.items.length === 0) break;
      pages++;
      got.push(...body.items);
      next = body.next;
    }
    expect(pages).toBe(3);
    expect(got.map((i) => i.email)).toEqual(emails);
    expect(got[0]).toEqual({ email: emails[0], status: 'opt-in', changedAt: t0 });
  });

  it('refuses a bad cursor or limit with 400 naming it', async () => {
    expect((await signedGet('/api/v1/consents?since=yesterday')).body.error).toMatch(/^since /);
    for (const limit of ['0', '1001', 'ten', '2.5']) {
      const res = await signedGet(`/api/v1/consents?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^limit /);
    }
  });

  it('requires a signature', async () => {
    expect((await app.request('/api/v1/consents', {}, env)).status).toBe(401);
  });
});
