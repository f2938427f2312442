// POST /api/v1/products end to end in workerd: validation (refused whole, the item and field named),
// the 202 answer's counts, dedupe by (id, content hash), and the ledger-first order.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import { loadCatalogRows } from '../ledger/catalog-products.ts';
import type { QueueMessage } from '../queue/messages.ts';
import { acceptProducts, parseProducts, resendStale } from './accept.ts';
import { changeKind, normaliseProduct, productHash, toV3Product } from './product.ts';

const env: Env = workerEnv;

async function post(body: unknown, bindings: Env = env): Promise<{ status: number; body: Record<string, unknown> }> {
  // The trailing newline keeps these bytes apart from the products fuzzing's ('{}', '{"products":[]}'):
  // the same signed body in the same second is a replay (401), and in the quick loop both files share storage.
  const raw = `${JSON.stringify(body)}\n`;
  const t = Math.floor(Date.now() / 1000);
  const header = await sign(env.SHOP_API_SECRET!, t, 'POST', '/api/v1/products', raw);
  const ctx = createExecutionContext();
  const res = await app.request(
    '/api/v1/products',
    { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw },
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json() };
}

let n = 0;
const uid = (p = 'p') => `${p}-${Date.now().toString(36)}-${++n}-${crypto.randomUUID().slice(0, 6)}`;

export function product(extra: Record<string, unknown> = {}) {
  return { id: uid(), name: 'Kubek', url: 'https://shop.example.com/p/kubek', price: 39.9, currency: 'pln', available: true, quantity: 5, ...extra };
}

/** A queue that records what is sent (and can refuse). */
function recordingQueue(refuse = false) {
  const sent: QueueMessage[] = [];
  const queue = {
    send: async () => {},
    sendBatch: async (msgs: Iterable<MessageSendRequest<QueueMessage>>) => {
      if (refuse) throw new Error('queue unavailable');
      for (const m of msgs) sent.push(m.body);
    },
  } as unknown as Queue<QueueMessage>;
  return { sent, queue };
}

describe('POST /api/v1/products', () => {
  it('accepts valid products: 202 with accepted and unchanged counts', async () => {
    const a = product();
    const b = product({ deleted: false, categories: ['Kuchnia'], details: ['ceramika'] });
    const first = await post({ products: [a, b] });
    expect(first).toEqual({ status: 202, body: { accepted: 2, unchanged: 0 } });
    const again = await post({ products: [a, { ...b, price: 41 }] });
    expect(again).toEqual({ status: 202, body: { accepted: 2, unchanged: 1 } });
    const rows = await loadCatalogRows(env.LEDGER, [a.id, b.id]);
    expect(rows.get(a.id)?.hash).toBe(await productHash(normaliseProduct({ ...a, currency: 'PLN' } as never)));
    expect(rows.size).toBe(2);
  });

  it('refuses a request with one invalid product whole, naming the item and field', async () => {
    const good = product();
    const res = await post({ products: [good, product({ price: -1 })] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('products[1].price: must not be negative');
    expect((await loadCatalogRows(env.LEDGER, [good.id])).size).toBe(0);
    expect((await post({ products: [product({ url: 'javascript:alert(1)' })] })).body.error).toMatch(/^products\[0\]\.url: must be an http\(s\) URL/);
    expect((await post({ products: [product({ name: undefined })] })).body.error).toBe('products[0].name: is required');
    expect((await post({ products: [product({ currency: 'XXY' })] })).body.error).toMatch(/^products\[0\]\.currency/);
    expect((await post({ products: [] })).body.error).toBe('products: must contain at least one product');
    expect((await post({})).body.error).toBe('products: is required');
    const many = Array.from({ length: 501 }, () => product());
    expect((await post({ products: many })).body.error).toMatch(/^products: must contain at most 500/);
  });

  it('deleted: true needs only the id', async () => {
    const res = await post({ products: [{ id: uid(), deleted: true }] });
    expect(res).toEqual({ status: 202, body: { accepted: 1, unchanged: 0 } });
    expect((await post({ products: [{ deleted: true }] })).body.error).toBe('products[0].id: is required');
  });

  it('refuses an unsigned request', async () => {
    const ctx = createExecutionContext();
    const res = await app.request('/api/v1/products', { method: 'POST', body: JSON.stringify({ products: [product()] }) }, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(401);
  });
});

describe('acceptProducts', () => {
  it('queues only changed versions, 100 products a message', async () => {
    const { sent, queue } = recordingQueue();
    const list = Array.from({ length: 250 }, () => normaliseProduct(parseOne(product())));
    expect(await acceptProducts({ LEDGER: env.LEDGER, EVENTS: queue }, list, 'cat-1')).toEqual({ accepted: 250, unchanged: 0 });
    expect(sent.map((m) => (m.kind === 'products' ? m.items.length : 0))).toEqual([100, 100, 50]);
    sent.length = 0;
    const half = list.map((p, i) => (i % 2 === 0 ? p : { ...p, quantity: 99 }));
    expect(await acceptProducts({ LEDGER: env.LEDGER, EVENTS: queue }, half, 'cat-1')).toEqual({ accepted: 250, unchanged: 125 });
    expect(sent.flatMap((m) => (m.kind === 'products' ? m.items : [])).length).toBe(125);
  });

  it('a version the queue refused is kept queued and re-sent by the hourly sweep', async () => {
    const refusing = recordingQueue(true);
    const p = normaliseProduct(parseOne(product()));
    await acceptProducts({ LEDGER: env.LEDGER, EVENTS: refusing.queue }, [p], 'cat-1');
    expect((await loadCatalogRows(env.LEDGER, [p.id])).get(p.id)?.status).toBe('queued');
    const { sent, queue } = recordingQueue();
    // The next hourly run, although the row was accepted just now (a live one waits 13 h).
    const fresh = normaliseProduct(parseOne(product()));
    await acceptProducts({ LEDGER: env.LEDGER, EVENTS: queue }, [fresh], 'cat-1');
    sent.length = 0;
    await resendStale({ LEDGER: env.LEDGER, EVENTS: queue });
    const ids = sent.flatMap((m) => (m.kind === 'products' ? m.items.map((i) => i.product.id) : []));
    expect(ids).toContain(p.id);
    expect(ids).not.toContain(fresh.id);
  });
});

function parseOne(raw: unknown) {
  const parsed = parseProducts({ products: [raw] });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.products[0] as never;
}

describe('product mapping', () => {
  const base = normaliseProduct(parseOne(product({ discountPrice: 30, imageUrls: ['https://shop.example.com/a.jpg'], categories: ['A', 'B'] })));

  it('maps to the SDK product entity', () => {
    const v3 = toV3Product(base);
    expect(v3).toMatchObject({
      productId: base.id,
      name: 'Kubek',
      productUrl: base.url,
      mainImageUrl: 'https://shop.example.com/a.jpg',
      mainCategory: 'A',
      categories: ['A', 'B'],
      available: true,
      active: true,
      quantity: 5,
      price: 39.9,
      discountPrice: 30,
    });
    expect(v3.setAsNull).toEqual(['detail1', 'detail2', 'detail3', 'detail4', 'detail5']);
    expect(toV3Product(base, { deleted: true })).toMatchObject({ available: false, active: false });
  });

  it('picks the narrowest call', () => {
    expect(changeKind(null, base)).toBe('upsert');
    expect(changeKind(base, { ...base, quantity: 1 })).toBe('quantity');
    expect(changeKind(base, { ...base, price: 10 })).toBe('price');
    expect(changeKind(base, { ...base, price: 10, discountPrice: 9 })).toBe('price');
    expect(changeKind(base, { ...base, discountPrice: undefined })).toBe('upsert');
    expect(changeKind(base, { ...base, quantity: 0, available: false })).toBe('upsert');
    expect(changeKind(base, { ...base, name: 'Other' })).toBe('upsert');
    expect(changeKind(base, { id: base.id, deleted: true })).toBe('upsert');
  });
});
