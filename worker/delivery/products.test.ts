// Catalog delivery in workerd against the shared simulator's API v3: batching at 100, dedupe, the
// narrower calls, deletions, transient and permanent failures (reasonCode recorded, 12 not a failure).
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { readConfig, type CatalogConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { acceptProducts, parseProducts } from '../catalog/accept.ts';
import { loadCatalogRows } from '../ledger/catalog-products.ts';
import type { CatalogProduct, QueueMessage } from '../queue/messages.ts';
import { SalesmanagoV3Client } from '../salesmanago/v3.ts';
import { deliverProducts } from './products.ts';

const env: Env = workerEnv;
const catalog: CatalogConfig = readConfig(env).catalog;

let n = 0;
const uid = () => `dp-${Date.now().toString(36)}-${++n}-${crypto.randomUUID().slice(0, 6)}`;

function products(count: number, extra: Record<string, unknown> = {}): CatalogProduct[] {
  const raw = Array.from({ length: count }, () => ({
    id: uid(),
    name: 'Kubek',
    url: 'https://shop.example.com/p/1',
    price: 39.9,
    currency: 'PLN',
    available: true,
    quantity: 5,
    ...extra,
  }));
  const parsed = parseProducts({ products: raw });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.products;
}

/** A client whose calls are counted by path; `answer` may replace the simulator's answer. */
function countingClient(answer?: (path: string, body: Record<string, unknown>) => Response | null) {
  const calls: { path: string; items: number }[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
    calls.push({ path, items: Array.isArray(body.products) ? body.products.length : 0 });
    return answer?.(path, body) ?? fetch(input, init);
  }) as typeof fetch;
  return { calls, client: new SalesmanagoV3Client({ endpoint: catalog.endpoint, apiKey: catalog.apiKey!, timeoutMs: 2000 }, fetcher) };
}

interface Run {
  acked: number;
  retried: number[];
}

/** Accepts the products (as the route does), then runs the consumer part over the queued messages. */
async function acceptAndDeliver(
  list: CatalogProduct[],
  client: SalesmanagoV3Client,
  cat: CatalogConfig = catalog,
  attempts = 1,
): Promise<Run & { accepted: { accepted: number; unchanged: number } }> {
  const sent: QueueMessage[] = [];
  const queue = {
    sendBatch: async (msgs: Iterable<MessageSendRequest<QueueMessage>>) => {
      for (const m of msgs) sent.push(m.body);
    },
  } as unknown as Queue<QueueMessage>;
  const accepted = await acceptProducts({ LEDGER: env.LEDGER, EVENTS: queue }, list, cat.catalogId);
  return { accepted, ...(await deliver(sent, client, cat, attempts)) };
}

async function deliver(bodies: QueueMessage[], client: SalesmanagoV3Client, cat: CatalogConfig = catalog, attempts = 1): Promise<Run> {
  const run: Run = { acked: 0, retried: [] };
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    body,
    attempts,
    ack: () => {
      run.acked += 1;
    },
    retry: (o?: QueueRetryOptions) => {
      run.retried.push(o?.delaySeconds ?? 0);
    },
  })) as Message<QueueMessage>[];
  await deliverProducts(messages, { db: env.LEDGER, catalog: cat, retryBaseS: 30, client });
  return run;
}

async function simProducts(ids: string[]): Promise<Map<string, Record<string, unknown>>> {
  const state = await (await fetch(`${env.SALESMANAGO_ENDPOINT}/__sim/state`)).json<{
    catalogs: { catalogId: string; products: Record<string, unknown>[] }[];
  }>();
  const wanted = new Set(ids);
  const list = state.catalogs.find((c) => c.catalogId === catalog.catalogId)?.products ?? [];
  return new Map(list.filter((p) => wanted.has(p.productId as string)).map((p) => [p.productId as string, p]));
}

describe('catalog delivery', () => {
  it('sends 250 new products in 3 upserts of at most 100; nothing again when unchanged', async () => {
    const list = products(250);
    const { calls, client } = countingClient();
    const run = await acceptAndDeliver(list, client);
    expect(calls).toEqual([
      { path: '/v3/product/upsert', items: 100 },
      { path: '/v3/product/upsert', items: 100 },
      { path: '/v3/product/upsert', items: 50 },
    ]);
    expect(run).toMatchObject({ acked: 3, retried: [] });
    expect((await simProducts(list.map((p) => p.id))).size).toBe(250);
    const rows = await loadCatalogRows(
      env.LEDGER,
      list.map((p) => p.id),
    );
    expect([...rows.values()].every((r) => r.status === 'sent' && r.sentCatalog === catalog.catalogId)).toBe(true);

    const again = await acceptAndDeliver(list, client);
    expect(again.accepted).toEqual({ accepted: 250, unchanged: 250 });
    expect(calls.length).toBe(3);
  });

  it('a message delivered twice (queue redelivery) sends once', async () => {
    const list = products(3);
    const { calls, client } = countingClient();
    const sent: QueueMessage[] = [];
    const queue = {
      sendBatch: async (msgs: Iterable<MessageSendRequest<QueueMessage>>) => {
        for (const m of msgs) sent.push(m.body);
      },
    } as unknown as Queue<QueueMessage>;
    await acceptProducts({ LEDGER: env.LEDGER, EVENTS: queue }, list, catalog.catalogId);
    await deliver(sent, client);
    await deliver(sent, client, catalog, 2);
    expect(calls.length).toBe(1);
  });

  it('quantity alone goes through updateQuantity, prices alone through updatePrice', async () => {
    const list = products(4);
    const { calls, client } = countingClient();
    await acceptAndDeliver(list, client);
    calls.length = 0;
    const changed = [{ ...list[0]!, quantity: 1 }, { ...list[1]!, price: 20 }, { ...list[2]!, name: 'Nowy' }, list[3]!];
    const run = await acceptAndDeliver(changed, client);
    expect(run.accepted).toEqual({ accepted: 4, unchanged: 1 });
    expect(calls).toEqual([
      { path: '/v3/product/upsert', items: 1 },
      { path: '/v3/product/updateQuantity', items: 1 },
      { path: '/v3/product/updatePrice', items: 1 },
    ]);
    const sim = await simProducts(list.map((p) => p.id));
    expect(sim.get(list[0]!.id)).toMatchObject({ quantity: 1, price: 39.9 });
    expect(sim.get(list[1]!.id)).toMatchObject({ quantity: 5, price: 20 });
    expect(sim.get(list[2]!.id)).toMatchObject({ name: 'Nowy' });
  });

  it('a deleted product is sent as unavailable and inactive; one never sent needs no call', async () => {
    const [p] = products(1);
    const { calls, client } = countingClient();
    await acceptAndDeliver([p!], client);
    await acceptAndDeliver(
      [
        { id: p!.id, deleted: true },
        { id: uid(), deleted: true },
      ],
      client,
    );
    expect(calls.map((c) => c.path)).toEqual(['/v3/product/upsert', '/v3/product/upsert']);
    expect(calls[1]!.items).toBe(1);
    expect((await simProducts([p!.id])).get(p!.id)).toMatchObject({ available: false, active: false, name: 'Kubek' });
  });

  it('a transient failure retries the message and keeps the version queued', async () => {
    const list = products(2);
    const { client } = countingClient(
      () => new Response('{"messages":["Service unavailable"],"reasonCode":0}', { status: 503, headers: { 'Retry-After': '7' } }),
    );
    const run = await acceptAndDeliver(list, client);
    expect(run.acked).toBe(0);
    expect(run.retried.length).toBe(1);
    expect(run.retried[0]).toBeGreaterThanOrEqual(7);
    const rows = await loadCatalogRows(
      env.LEDGER,
      list.map((p) => p.id),
    );
    expect([...rows.values()].map((r) => [r.status, r.attempts])).toEqual([
      ['queued', 1],
      ['queued', 1],
    ]);
  });

  it('a permanent failure is isolated to its product and recorded with the reasonCode', async () => {
    const list = products(3);
    const bad = list[1]!.id;
    const { calls, client } = countingClient((_path, body) => {
      const items = body.products as { productId: string }[];
      return items.some((p) => p.productId === bad)
        ? new Response(JSON.stringify({ problems: [{ reasonCode: 11, message: 'products[1].name|min:1|max:255' }] }), { status: 400 })
        : null;
    });
    const run = await acceptAndDeliver(list, client);
    expect(run).toMatchObject({ acked: 1, retried: [] });
    expect(calls.map((c) => c.items)).toEqual([3, 1, 1, 1]);
    const rows = await loadCatalogRows(
      env.LEDGER,
      list.map((p) => p.id),
    );
    expect(rows.get(bad)?.status).toBe('failed');
    expect(rows.get(list[0]!.id)?.status).toBe('sent');
    const { results } = await env.LEDGER.prepare('SELECT reason_code, error FROM catalog_products WHERE product_id = ?')
      .bind(bad)
      .all<{ reason_code: number; error: string }>();
    expect(results[0]?.reason_code).toBe(11);
    expect(results[0]?.error).toContain('reasonCode 11');
  });

  it('a narrow call refused (the product is gone in SALESmanago) falls back to a full upsert', async () => {
    const [p] = products(1);
    const { calls, client } = countingClient((path) =>
      path === '/v3/product/updateQuantity'
        ? new Response(JSON.stringify({ problems: [{ reasonCode: 13, message: 'products[0].productId not in the catalog' }] }), { status: 400 })
        : null,
    );
    await acceptAndDeliver([p!], client);
    const run = await acceptAndDeliver([{ ...p!, quantity: 0 }], client);
    expect(run).toMatchObject({ acked: 1, retried: [] });
    expect(calls.map((c) => c.path)).toEqual(['/v3/product/upsert', '/v3/product/updateQuantity', '/v3/product/upsert']);
    expect((await simProducts([p!.id])).get(p!.id)).toMatchObject({ quantity: 0 });
    expect((await loadCatalogRows(env.LEDGER, [p!.id])).get(p!.id)?.status).toBe('sent');
  });

  it('reason 12 (data trimmed) is not a failure', async () => {
    const [p] = products(1, { description: 'x'.repeat(2500) });
    const { client } = countingClient();
    const run = await acceptAndDeliver([p!], client);
    expect(run).toMatchObject({ acked: 1, retried: [] });
    const { results } = await env.LEDGER.prepare('SELECT status, reason_code, error FROM catalog_products WHERE product_id = ?')
      .bind(p!.id)
      .all<{ status: string; reason_code: number; error: string }>();
    expect(results[0]).toMatchObject({ status: 'sent', reason_code: 12 });
    expect(((await simProducts([p!.id])).get(p!.id)?.description as string | undefined)?.length).toBe(2000);
  });

  it('a wrong API key is kept for a retry (reason 10), not failed', async () => {
    const list = products(1);
    const wrong = new SalesmanagoV3Client({ endpoint: catalog.endpoint, apiKey: 'wrong-key', timeoutMs: 2000 });
    const run = await acceptAndDeliver(list, wrong);
    expect(run.retried.length).toBe(1);
    const row = (await loadCatalogRows(env.LEDGER, [list[0]!.id])).get(list[0]!.id);
    expect(row?.status).toBe('queued');
  });

  it('without a catalog configured, products wait on the queue', async () => {
    const list = products(1);
    const { calls, client } = countingClient();
    const run = await acceptAndDeliver(list, client, { ...catalog, catalogId: null });
    expect(calls.length).toBe(0);
    expect(run.retried.length).toBe(1);
    expect(run.retried[0]).toBeGreaterThanOrEqual(600);
    // Waiting is not an attempt of its own.
    expect((await loadCatalogRows(env.LEDGER, [list[0]!.id])).get(list[0]!.id)?.attempts).toBe(0);
  });
});
