// Issue 20 item 1: a stranger without SHOP_API_SECRET cannot make a correctly signed request fail or
// wait by holding unverified bodies open (http/shop-signature.ts). Each test fails on the earlier
// budget, which reserved a request's declared size before its bytes arrived.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../env.ts';
import { RequestTimeout, Unavailable } from '../errors.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import type { QueueMessage } from '../queue/messages.ts';
import { readCapped, unverifiedHeld } from './shop-signature.ts';

const env: Env = workerEnv;
const SECRET = env.SHOP_API_SECRET!;

async function request(path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A body that sends `first` bytes at once, then nothing until `release()`. */
function heldBody(first: number) {
  let release: () => void = () => {};
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) =>
      new Promise<void>((resolve) => {
        if (sent) {
          release = () => {
            try {
              controller.close();
            } catch {
              // already cancelled by the reader
            }
            resolve();
          };
        } else {
          sent = true;
          controller.enqueue(new Uint8Array(first).fill(32));
          resolve();
        }
      }),
  });
  return { stream, release: () => release() };
}

const forged = () => `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
let n = 0;
const orderId = () => `SLOW-${Date.now().toString(36)}-${(n += 1)}`;

async function signedBatch(headers: Record<string, string> = {}): Promise<Response> {
  const raw = JSON.stringify({
    items: [
      {
        kind: 'event',
        type: 'purchase',
        orderId: orderId(),
        email: 'buyer@example.com',
        value: 10,
        currency: 'PLN',
        products: [{ id: 'sku-1', quantity: 1, price: 10 }],
        occurredAt: new Date().toISOString(),
      },
    ],
  });
  const header = await sign(SECRET, Math.floor(Date.now() / 1000), 'POST', '/api/v1/batch', raw);
  return request('/api/v1/batch', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header, ...headers }, body: raw });
}

beforeEach(() => {
  vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockImplementation(async () => undefined as never);
});
afterEach(() => vi.restoreAllMocks());

describe('unverified bodies: counted as they arrive, per client, against a deadline', () => {
  it('slow forged uploads announcing 4 MB (and without a length) do not fail a signed batch', async () => {
    const slow = Array.from({ length: 8 }, (_, i) => {
      const body = heldBody(1024);
      const headers: Record<string, string> = { 'Sm-Edge-Signature': forged(), 'CF-Connecting-IP': '198.51.100.7' };
      if (i % 2 === 0) headers['Content-Length'] = String(4 * 1024 * 1024);
      const answer = request('/api/v1/batch', { method: 'POST', headers, body: body.stream, duplex: 'half' } as RequestInit);
      return { body, answer };
    });
    while (unverifiedHeld() < 8 * 1024) await new Promise((r) => setTimeout(r, 5));
    // From another client, and from the same one: neither waits for the slow uploads nor fails.
    const started = Date.now();
    const answers = await Promise.all([
      signedBatch({ 'CF-Connecting-IP': '203.0.113.20' }),
      signedBatch({ 'CF-Connecting-IP': '198.51.100.7' }),
      signedBatch(),
    ]);
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const s of slow) s.body.release();
    expect((await Promise.all(slow.map((s) => s.answer))).map((r) => r.status)).toEqual(Array(8).fill(401));
    expect(unverifiedHeld()).toBe(0);
  });

  it('one client holding more than its share has its own next request cut off (429), not others', async () => {
    const client = { 'Sm-Edge-Signature': forged(), 'CF-Connecting-IP': '198.51.100.8' };
    const held = [heldBody(3 * 1024 * 1024), heldBody(3 * 1024 * 1024)];
    const answers = held.map((b) => request('/api/v1/batch', { method: 'POST', headers: client, body: b.stream, duplex: 'half' } as RequestInit));
    while (unverifiedHeld() < 6 * 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
    const third = heldBody(3 * 1024 * 1024);
    const cut = await request('/api/v1/batch', { method: 'POST', headers: client, body: third.stream, duplex: 'half' } as RequestInit);
    expect(cut.status).toBe(429);
    expect(cut.headers.get('Retry-After')).toBe('5');
    expect(((await cut.json()) as { error: string }).error).toMatch(/unverified request bodies from this client/);
    expect((await signedBatch({ 'CF-Connecting-IP': '203.0.113.21' })).status).toBe(202);
    for (const b of held) b.release();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([401, 401]);
    expect(unverifiedHeld()).toBe(0);
  });

  it('a body that has not arrived within the deadline is cut off with 408, and its bytes are released', async () => {
    const body = heldBody(2048);
    const req = new Request('http://w/api/v1/batch', { method: 'POST', body: body.stream, duplex: 'half' } as RequestInit);
    const read = readCapped(req, 4096, 'c', { instance: 1 << 20, client: 1 << 20, deadlineMs: 50 });
    await expect(read).rejects.toBeInstanceOf(RequestTimeout);
    await expect(read).rejects.toMatchObject({ status: 408, error: 'body did not arrive within 0.05 s' });
    expect(unverifiedHeld()).toBe(0);
  });

  it('the instance budget is shared by bytes received: the request crossing it is cut (503), a lone one never', async () => {
    const a = heldBody(600);
    const first = readCapped(new Request('http://w/', { method: 'POST', body: a.stream, duplex: 'half' } as RequestInit), 4096, 'a', {
      instance: 1000,
      client: 1000,
      deadlineMs: 5_000,
    });
    while (unverifiedHeld() < 600) await new Promise((r) => setTimeout(r, 5));
    const second = readCapped(new Request('http://w/', { method: 'POST', body: 'x'.repeat(500) }), 4096, 'b', {
      instance: 1000,
      client: 1000,
      deadlineMs: 5_000,
    });
    await expect(second).rejects.toBeInstanceOf(Unavailable);
    await expect(second).rejects.toMatchObject({ status: 503 });
    a.release();
    expect((await first).byteLength).toBe(600);
    const lone = await readCapped(new Request('http://w/', { method: 'POST', body: 'x'.repeat(3000) }), 4096, 'b', {
      instance: 1000,
      client: 1000,
      deadlineMs: 5_000,
    });
    expect(lone.byteLength).toBe(3000);
    expect(unverifiedHeld()).toBe(0);
  });
});
