// Accepting catalog products (POST /api/v1/products and the platforms' product webhooks). Ledger first,
// as the shop API's orders (ingest/enqueue.ts): the catalog_products row is written, then the queue
// message sent. A version identical to the row's latest (same hash, not failed) is "unchanged": nothing
// is written or sent for it. A version whose queue send fails stays 'queued' in the ledger and the
// hourly job sends it again (resendStale), so an accepted product is never lost.
import * as v from 'valibot';
import { describeIssues } from '../ingest/problems.ts';
import { loadCatalogRows, recordAccepted, staleQueued, touchQueued } from '../ledger/catalog-products.ts';
import type { CatalogProduct, QueueMessage } from '../queue/messages.ts';
import { chunk, MAX_MESSAGE_BYTES, sendMessages, utf8Bytes } from '../queue/send.ts';
import { logError } from '../log.ts';
import { InvalidRequest, ledgerUnavailable } from '../errors.ts';
import { normaliseProduct, productHash, productsBody, productSchema } from './product.ts';

/** Products per queue message: one v3 call's worth (salesmanago/v3.ts PRODUCTS_PER_CALL). */
const PRODUCTS_PER_MESSAGE = 100;

export type ParsedProducts = { ok: true; products: CatalogProduct[] } | { ok: false; error: string };

/** Validates a whole request: one invalid product refuses all of it, naming `products[i].field`. */
export function parseProducts(body: unknown, options: { currencyOptional?: boolean } = {}): ParsedProducts {
  const envelope = v.safeParse(productsBody, body);
  if (!envelope.success) return { ok: false, error: describeIssues(envelope.issues) };
  const out: CatalogProduct[] = [];
  for (const [i, item] of envelope.output.products.entries()) {
    const parsed = v.safeParse(productSchema(item, options), item);
    if (!parsed.success) return { ok: false, error: describeIssues(parsed.issues, `products[${i}]`) };
    out.push(normaliseProduct(parsed.output));
  }
  return { ok: true, products: out };
}

export interface AcceptedProducts {
  accepted: number;
  unchanged: number;
}

/** POST /api/v1/products (the one function the route calls): InvalidRequest for a bad list (400),
 *  LedgerUnavailable when nothing could be recorded (503); else what was accepted. */
export async function acceptProductsRequest(
  env: { LEDGER: D1Database; EVENTS: Queue<QueueMessage> },
  body: unknown,
  currentCatalog: string | null,
  now = Date.now(),
): Promise<AcceptedProducts> {
  const parsed = parseProducts(body);
  if (!parsed.ok) throw new InvalidRequest(parsed.error);
  try {
    return await acceptProducts(env, parsed.products, currentCatalog, now);
  } catch (err) {
    ledgerUnavailable(err);
  }
}

/**
 * Records and queues the products that changed. A product listed twice in one request counts twice
 * and its last version wins. Throws when the ledger cannot be written (nothing was accepted: the
 * caller answers 503 and the shop retries).
 */
export async function acceptProducts(
  env: { LEDGER: D1Database; EVENTS: Queue<QueueMessage> },
  products: readonly CatalogProduct[],
  currentCatalog: string | null,
  now = Date.now(),
): Promise<AcceptedProducts> {
  const latest = new Map<string, { product: CatalogProduct; hash: string }>();
  for (const product of products) latest.set(product.id, { product, hash: await productHash(product) });
  const rows = await loadCatalogRows(env.LEDGER, [...latest.keys()]);
  const changed = [...latest.values()].filter(({ product, hash }) => {
    const row = rows.get(product.id);
    if (!row || row.hash !== hash || row.status === 'failed') return true;
    // Sent, but to another catalog than the one linked now: sent again.
    return row.status === 'sent' && currentCatalog !== null && row.sentCatalog !== currentCatalog;
  });
  const unchangedIds = new Set([...latest.keys()].filter((id) => !changed.some((c) => c.product.id === id)));
  if (changed.length > 0) {
    await recordAccepted(
      env.LEDGER,
      changed.map((c) => ({ id: c.product.id, hash: c.hash, payload: JSON.stringify(c.product) })),
      now,
    );
    await queueProducts(env, changed);
  }
  return { accepted: products.length, unchanged: products.filter((p) => unchangedIds.has(p.id)).length };
}

/**
 * Sends products in messages of up to 100 (and the queue's byte limit). The rows of a refused send are
 * dated 0, so the next hourly resendStale takes them at once. Answers how many were refused.
 */
async function queueProducts(env: { LEDGER: D1Database; EVENTS: Queue<QueueMessage> }, items: { product: CatalogProduct; hash: string }[]): Promise<number> {
  const parts = chunk(items, (i) => utf8Bytes(JSON.stringify(i)) + 1, PRODUCTS_PER_MESSAGE, MAX_MESSAGE_BYTES - 64);
  const refused: string[] = [];
  await sendMessages(
    env.EVENTS,
    parts.map((part) => ({ message: { kind: 'products', items: part } as QueueMessage, ids: part.map((i) => i.product.id) })),
    {
      refused: (part, err) => {
        logError('queue send failed; catalog products wait for the hourly re-send', { messages: part.length }, err);
        refused.push(...part.flatMap((p) => p.ids));
      },
    },
  );
  if (refused.length > 0) {
    try {
      await touchQueued(env.LEDGER, refused, 0);
    } catch (err) {
      logError('could not date catalog rows after a queue failure', { count: refused.length }, err);
    }
  }
  return refused.length;
}

/**
 * Versions still queued whose last try (or acceptance) is older than any retry delay (the queue's
 * longest is 12 h, delivery/backoff.ts MAX_DELAY_S): no message carries them any more, so they are
 * queued again. Rows whose send was refused are dated 0 and go at the next hourly run.
 */
export async function resendStale(env: { LEDGER: D1Database; EVENTS: Queue<QueueMessage> }, now = Date.now(), olderThanMs = 13 * 3_600_000): Promise<number> {
  const rows = await staleQueued(env.LEDGER, now - olderThanMs, 1000);
  if (rows.length === 0) return 0;
  const items = await Promise.all(
    rows.map(async (r) => {
      const product = JSON.parse(r.payload) as CatalogProduct;
      return { product, hash: await productHash(product) };
    }),
  );
  await touchQueued(
    env.LEDGER,
    rows.map((r) => r.id),
    now,
  );
  await queueProducts(env, items);
  return rows.length;
}
