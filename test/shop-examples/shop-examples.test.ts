// The shop developer examples in test/shop-examples (README "Shop server API") are run for real:
// against the worker's own signing code, and against the worker under `wrangler dev`.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintLoginToken, postSigned, signature } from './sm-edge.mjs';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { ROOT } from '../stack/processes.ts';
import { startStack, type Stack } from '../stack/stack.ts';

const SECRET = LOCAL_SECRETS.SHOP_API_SECRET;

// Known vectors, shared with worker/ingest/ingest.test.ts (where the worker's own sign() and
// mintLoginToken() must produce them) and checked independently with `openssl dgst -sha256 -hmac`.
const VECTORS = {
  body: JSON.stringify({ email: 'zażółć@example.com', note: 'a.b' }),
  signature: 't=1800000000,v1=35936bf693455189efb2e9d983dcfa262d1662271b00a1675373119d3469721b',
  token: 'WmHFvMOzxYLEh0BFeGFtcGxlLmNvbQ.1800000600.8ee5d10a8bafdbd4849a253445219f6539481e4644f51f058a9a405c08f5834b',
};

describe('Node example matches the documented construction', () => {
  it('signs a request', () => {
    expect(signature(SECRET, 'post', '/api/v1/contacts?x=1', VECTORS.body, 1_800_000_000)).toBe(VECTORS.signature);
  });
  it('mints a login token (base64url without padding, exp, lowercase hex)', () => {
    expect(mintLoginToken(SECRET, 'Zażółć@Example.com', 600, 1_800_000_000_000)).toBe(VECTORS.token);
  });
});

describe('examples against the running worker (wrangler dev)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('Node: a signed purchase is queued, its repost is a duplicate, a bad signature is 401', async () => {
    const orderId = `node-example-${Date.now()}`;
    const purchase = {
      type: 'purchase', orderId, email: 'jan@example.com', value: 129.9, currency: 'PLN',
      products: [{ id: 'sku-1', quantity: 2, price: 64.95 }], occurredAt: '2026-11-20T14:03:00+01:00',
    };
    expect(await postSigned(stack.workerUrl, '/api/v1/events', purchase, SECRET)).toEqual({
      status: 202, body: { id: `s:purchase:${orderId}`, status: 'queued' },
    });
    const again = await postSigned(stack.workerUrl, '/api/v1/events', { ...purchase, resent: true }, SECRET);
    expect(again).toEqual({ status: 200, body: { id: `s:purchase:${orderId}`, status: 'duplicate' } });
    expect((await postSigned(stack.workerUrl, '/api/v1/events', purchase, 'wrong-secret-wrong-secret')).status).toBe(401);
    const contact = await postSigned(stack.workerUrl, '/api/v1/contacts', { email: 'jan@example.com', newsletter: 'subscribe' }, SECRET);
    expect(contact.status).toBe(202);
  });

  it('Node: a minted login token travels in a beacon and is accepted', async () => {
    const res = await fetch(`${stack.workerUrl}/e`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: 'http://localhost:8788' },
      body: JSON.stringify({ v: 2, u: `example-visitor-${Date.now()}`, e: [{ i: 'login-0001', k: 'login', t: Date.now(), token: mintLoginToken(SECRET, 'jan@example.com') }] }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8788');
    expect(await res.json()).toMatchObject({ accepted: 1 });
  });

  it('curl + openssl: the shell example posts a signed purchase', () => {
    const out = execFileSync(join(ROOT, 'test/shop-examples/post-purchase.sh'), [stack.workerUrl], {
      env: { ...process.env, SHOP_API_SECRET: SECRET, ORDER_ID: `curl-${Date.now()}` },
    }).toString().trim().split('\n');
    expect(out.at(-1)).toBe('202');
    expect(JSON.parse(out[0]!)).toMatchObject({ status: 'queued' });
  });
});
