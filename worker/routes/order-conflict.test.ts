// An order re-posted with the same (type, orderId) but other content is a conflict, not a duplicate.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;

async function signedPost(path: string, body: unknown) {
  const raw = JSON.stringify(body);
  const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', path, raw);
  const ctx = createExecutionContext();
  const res = await app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw }, env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

const purchase = (orderId: string, extra: Record<string, unknown> = {}) => ({
  type: 'purchase',
  orderId,
  email: 'klient@example.com',
  value: 129.9,
  currency: 'PLN',
  products: [{ id: 'sku-1', quantity: 2, price: 64.95 }],
  occurredAt: '2026-11-20T14:03:00+01:00',
  ...extra,
});

async function storedEmail(id: string) {
  const row = await env.LEDGER.prepare('SELECT payload FROM deliveries WHERE id = ?').bind(id).first<{ payload: string }>();
  return (JSON.parse(row!.payload) as { event: { email: string; value: number } }).event;
}

describe('conflicting reposts', () => {
  it('the same order again is a duplicate (200); with other content a 409 naming the fields, the first version standing', async () => {
    const orderId = `ORD-${crypto.randomUUID()}`;
    const first = await signedPost('/api/v1/events', purchase(orderId));
    expect(first).toMatchObject({ status: 202, body: { status: 'queued' } });
    // Same content (e-mail spelled differently counts as the same).
    expect(await signedPost('/api/v1/events', purchase(orderId, { email: 'Klient@Example.com' }))).toMatchObject({
      status: 200,
      body: { status: 'duplicate' },
    });
    const other = await signedPost('/api/v1/events', purchase(orderId, { email: 'inny@example.com', value: 10 }));
    expect(other).toEqual({ status: 409, body: { id: first.body.id, status: 'conflict', fields: ['email', 'value'] } });
    expect(await storedEmail(first.body.id as string)).toMatchObject({ email: 'klient@example.com', value: 129.9 });
    // The setup page shows it, so a shop whose order numbers collide finds out.
    const page = await app.request('/setup?lang=en', { headers: { Authorization: `Basic ${btoa(`admin:${env.ADMIN_PASSWORD}`)}` } }, env);
    const html = await page.text();
    expect(html).toContain('id="order-conflicts"');
    expect(html).toContain(String(first.body.id));
    expect(html).toMatch(/email \(1×\), value \(1×\)/);
    // Each field is counted over the reposts: products, then value, then value again.
    await new Promise((r) => setTimeout(r, 1100)); // a new signature time: not a replay
    expect((await signedPost('/api/v1/events', purchase(orderId, { products: [{ id: 'sku-9', quantity: 1, price: 129.9 }] }))).status).toBe(409);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await signedPost('/api/v1/events', purchase(orderId, { value: 11 }))).status).toBe(409);
    const again = await (await app.request('/setup?lang=en', { headers: { Authorization: `Basic ${btoa(`admin:${env.ADMIN_PASSWORD}`)}` } }, env)).text();
    expect(again).toMatch(/<td class="conflict-fields">email \(1×\), products \(1×\), value \(2×\)<\/td>/);
  });

  it('answers conflict per item in a batch', async () => {
    const orderId = `ORD-${crypto.randomUUID()}`;
    await signedPost('/api/v1/events', purchase(orderId));
    const res = await signedPost('/api/v1/batch', {
      items: [
        { kind: 'event', ...purchase(orderId, { products: [{ id: 'sku-2', quantity: 1, price: 129.9 }] }) },
        { kind: 'event', ...purchase(orderId) },
        { kind: 'event', ...purchase(`${orderId}-2`) },
      ],
    });
    expect(res.status).toBe(202);
    expect((res.body.items as { status: string; fields?: string[] }[]).map((i) => [i.status, i.fields])).toEqual([
      ['conflict', ['products']],
      ['duplicate', undefined],
      ['queued', undefined],
    ]);
  });
});
