// The report's figure: SALESmanago calls per 1,000 product changes, counted on the way to the shared
// simulator (which stores every product), through acceptProducts (as POST /api/v1/products and the
// webhooks do) and the consumer part, with the queue's batches (up to 100 messages, wrangler.toml).
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { acceptProducts, parseProducts } from '../catalog/accept.ts';
import type { CatalogProduct, QueueMessage } from '../queue/messages.ts';
import { SalesmanagoV3Client } from '../salesmanago/v3.ts';
import { deliverProducts } from './products.ts';

const env: Env = workerEnv;
const catalog = readConfig(env).catalog;
const BATCH_MESSAGES = 100;
const SINGLE = Number((env as unknown as Record<string, string>).CATALOG_CALLS_SINGLE ?? 300);

let n = 0;
function fresh(count: number): CatalogProduct[] {
  const run = `pc-${Date.now().toString(36)}-${++n}`;
  const out: CatalogProduct[] = [];
  for (let start = 0; start < count; start += 500) {
    const raw = Array.from({ length: Math.min(500, count - start) }, (_, k) => start + k).map((i) => ({
      id: `${run}-${i}`,
      name: `Produkt ${i}`,
      url: `https://shop.example.com/p/${i}`,
      price: 10 + (i % 50),
      currency: 'PLN',
      available: true,
      quantity: 10,
    }));
    const parsed = parseProducts({ products: raw });
    if (!parsed.ok) throw new Error(parsed.error);
    out.push(...parsed.products);
  }
  return out;
}

/** Accepts `list` in requests of `perRequest` products, then delivers the queued messages in consumer batches; answers the calls by path. */
async function run(list: CatalogProduct[], perRequest: number): Promise<{ calls: Record<string, number>; total: number; unchanged: number }> {
  const sent: QueueMessage[] = [];
  const queue = {
    sendBatch: async (msgs: Iterable<MessageSendRequest<QueueMessage>>) => {
      for (const m of msgs) sent.push(m.body);
    },
  } as unknown as Queue<QueueMessage>;
  let unchanged = 0;
  for (let i = 0; i < list.length; i += perRequest)
    unchanged += (await acceptProducts({ LEDGER: env.LEDGER, EVENTS: queue }, list.slice(i, i + perRequest), catalog.catalogId)).unchanged;
  const calls: Record<string, number> = {};
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    calls[path] = (calls[path] ?? 0) + 1;
    return fetch(input, init);
  }) as typeof fetch;
  const client = new SalesmanagoV3Client({ endpoint: catalog.endpoint, apiKey: catalog.apiKey!, timeoutMs: 5000 }, fetcher);
  for (let i = 0; i < sent.length; i += BATCH_MESSAGES) {
    const messages = sent
      .slice(i, i + BATCH_MESSAGES)
      .map((body, k) => ({ id: `m${i + k}`, timestamp: new Date(), body, attempts: 1, ack: () => {}, retry: () => {} })) as Message<QueueMessage>[];
    await deliverProducts(messages, { db: env.LEDGER, catalog, retryBaseS: 30, client });
  }
  return { calls, total: Object.values(calls).reduce((a, b) => a + b, 0), unchanged };
}

describe('SALESmanago calls per 1,000 product changes', () => {
  it('new products, then half no-ops, then mixed changes', async () => {
    const base = fresh(1000);
    const created = await run(base, 100);
    // Half unchanged, half quantity only (stock moves): the narrow call.
    const stock = await run(
      base.map((p, i) => (i % 2 ? p : { ...p, quantity: 3 })),
      100,
    );
    // Half unchanged; of the changed half a third stock, a third price, a third name.
    const afterStock = base.map((p, i) => (i % 2 ? p : { ...p, quantity: 3 }));
    const mixed = await run(
      afterStock.map((p, i) => (i % 2 ? p : i % 6 === 0 ? { ...p, quantity: 7 } : i % 6 === 2 ? { ...p, price: 99 } : { ...p, name: `${p.name} v2` })),
      100,
    );
    // The same 1,000 again: all no-ops.
    const noop = await run(
      afterStock.map((p, i) => (i % 2 ? p : i % 6 === 0 ? { ...p, quantity: 7 } : i % 6 === 2 ? { ...p, price: 99 } : { ...p, name: `${p.name} v2` })),
      100,
    );
    // One product a request (a webhook per product), the queue batching 100 messages.
    // (300 here to keep the test short; the figure scales: 100 a call.)
    const single = await run(fresh(SINGLE), 1);
    console.log({ msg: 'calls per 1,000 product changes', created, halfNoopStock: stock, halfNoopMixed: mixed, allNoop: noop, onePerRequest: single });
    expect(created).toMatchObject({ total: 10, unchanged: 0, calls: { '/v3/product/upsert': 10 } });
    expect(stock).toMatchObject({ total: 5, unchanged: 500, calls: { '/v3/product/updateQuantity': 5 } });
    expect(mixed.unchanged).toBe(500);
    expect(mixed.total).toBe(6); // 167 stock → 2 calls, 167 price → 2, 166 upserts → 2
    expect(noop).toMatchObject({ total: 0, unchanged: 1000 });
    expect(single.total).toBe(SINGLE / 100);
  }, 120_000);
});
