// The consumer's part for catalog products (docs/catalog.md): 'products' messages of a batch are
// delivered together through SALESmanago API v3, at most 100 products a call (the plugin's package
// size, reference §1.2). Dedupe against catalog_products: a version already sent to this catalog, or
// superseded by a newer one accepted meanwhile (its own message carries it), is skipped. A change of
// the quantity alone goes through updateQuantity, of the prices alone through updatePrice; the rest is
// an upsert. Transient failures retry the message with backoff; a permanent one is recorded with
// SALESmanago's reasonCode, after the failed call's products are tried one by one so that one bad
// product does not fail the other 99.
import type { CatalogConfig } from '../config.ts';
import { changeKind, toV3Product, type ChangeKind } from '../catalog/product.ts';
import { loadCatalogRows, markOutcome, markSent, type CatalogRow } from '../ledger/catalog-products.ts';
import type { CatalogProduct, QueueMessage } from '../queue/messages.ts';
import { SalesmanagoV3Client, SalesmanagoV3Error, PRODUCTS_PER_CALL, type V3Reply } from '../salesmanago/v3.ts';
import { SalesmanagoError } from '../salesmanago/errors.ts';
import { retryDelay, unconfiguredDelay } from './backoff.ts';
import { MAX_ATTEMPTS } from './work.ts';
import { errorText, logError } from '../log.ts';

interface Work {
  hash: string;
  product: CatalogProduct;
  msg: Message<QueueMessage>;
  row: CatalogRow;
  kind: ChangeKind;
  /** The previous version SALESmanago has in this catalog, if any. */
  before: CatalogProduct | null;
  outcome?: { retry: number } | { done: true };
}

export function isProductsMessage(body: unknown): body is Extract<QueueMessage, { kind: 'products' }> {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'products' && Array.isArray((body as { items?: unknown }).items);
}

export interface ProductDeps {
  db: D1Database;
  catalog: CatalogConfig;
  retryBaseS: number;
  /** For tests: the client to call (else one is made from `catalog`). */
  client?: SalesmanagoV3Client;
  now?: () => number;
}

/** Delivers the products of these messages; acks or retries each message. Never throws. */
export async function deliverProducts(messages: readonly Message<QueueMessage>[], deps: ProductDeps): Promise<void> {
  if (messages.length === 0) return;
  const now = deps.now ?? Date.now;
  const { catalog } = deps;
  try {
    const items: { hash: string; product: CatalogProduct; msg: Message<QueueMessage> }[] = [];
    for (const msg of messages) {
      if (!isProductsMessage(msg.body)) continue;
      for (const item of msg.body.items) if (item && typeof item.hash === 'string' && typeof item.product?.id === 'string') items.push({ ...item, msg });
    }
    const rows = await loadCatalogRows(
      deps.db,
      items.map((i) => i.product.id),
    );
    const work: Work[] = [];
    const taken = new Set<string>();
    for (const item of items) {
      const id = item.product.id;
      const row = rows.get(id);
      // Superseded (a newer version is queued with its own message), a copy, or already sent to this catalog.
      if (!row || row.hash !== item.hash || taken.has(id)) continue;
      taken.add(id);
      if (row.sentHash === item.hash && row.sentCatalog === catalog.catalogId) continue;
      if (row.status === 'failed') continue;
      const before = row.sentPayload && row.sentCatalog === catalog.catalogId ? (JSON.parse(row.sentPayload) as CatalogProduct) : null;
      work.push({ ...item, row, before, kind: changeKind(before, item.product) });
    }

    if (work.length > 0 && (!catalog.apiKey || !catalog.catalogId)) {
      // Not lost, not failed: kept on the queue until the catalog is configured on /setup.
      const reason = `the product catalog is not configured: ${!catalog.apiKey ? 'SALESMANAGO_API_V3_KEY' : 'SALESMANAGO_CATALOG_ID'} is not set`;
      for (const w of work) w.outcome = { retry: unconfiguredDelay(w.msg.attempts) };
      // Not an attempt: the 30-attempt budget is for SALESmanago's answers, not for the wait.
      await markOutcome(
        deps.db,
        work.map((w) => ({ id: w.row.id, hash: w.hash, status: 'queued', reasonCode: null, error: reason })),
        now(),
        { counted: false },
      );
    } else if (work.length > 0) {
      const client = deps.client ?? new SalesmanagoV3Client({ endpoint: catalog.endpoint, apiKey: catalog.apiKey!, timeoutMs: catalog.timeoutMs });
      await send(work, client, catalog.catalogId!, deps, now);
    }
    settle(messages, work, deps.retryBaseS);
  } catch (err) {
    // A bug or a D1 outage: every message is retried; versions SALESmanago confirmed are marked sent and skipped next time.
    logError('catalog delivery failed', { messages: messages.length }, err);
    for (const msg of messages) msg.retry({ delaySeconds: retryDelay(msg.attempts, undefined, Math.random, deps.retryBaseS) });
  }
}

/** Deletions of products SALESmanago never had need no call: there is nothing to mark unavailable. */
function needsNoCall(w: Work): boolean {
  return w.product.deleted === true && w.before === null;
}

async function send(work: Work[], client: SalesmanagoV3Client, catalogId: string, deps: ProductDeps, now: () => number): Promise<void> {
  const nothing = work.filter(needsNoCall);
  if (nothing.length > 0) {
    await markSent(
      deps.db,
      nothing.map((w) => ({ id: w.row.id, hash: w.hash, payload: JSON.stringify(w.product) })),
      catalogId,
      now(),
    );
    for (const w of nothing) w.outcome = { done: true };
  }
  const rest = work.filter((w) => !w.outcome);
  for (const kind of ['upsert', 'quantity', 'price'] as const) {
    const group = rest.filter((w) => w.kind === kind);
    for (let start = 0; start < group.length; start += PRODUCTS_PER_CALL) {
      await sendChunk(group.slice(start, start + PRODUCTS_PER_CALL), kind, client, catalogId, deps, now, true);
    }
  }
}

function call(kind: ChangeKind, chunk: Work[], client: SalesmanagoV3Client, catalogId: string): Promise<V3Reply> {
  switch (kind) {
    case 'quantity':
      return client.updateQuantities(
        catalogId,
        chunk.map((w) => ({ productId: w.product.id, quantity: w.product.quantity! })),
      );
    case 'price':
      return client.updatePrices(
        catalogId,
        chunk.map((w) => ({
          productId: w.product.id,
          price: w.product.price!,
          ...(w.product.discountPrice !== undefined ? { discountPrice: w.product.discountPrice } : {}),
        })),
      );
    case 'upsert':
      // A deletion sends the last version SALESmanago has, unavailable and inactive.
      return client.upsertProducts(
        catalogId,
        chunk.map((w) => (w.product.deleted ? toV3Product(w.before!, { deleted: true }) : toV3Product(w.product))),
      );
  }
}

async function sendChunk(
  chunk: Work[],
  kind: ChangeKind,
  client: SalesmanagoV3Client,
  catalogId: string,
  deps: ProductDeps,
  now: () => number,
  isolate: boolean,
): Promise<void> {
  try {
    const reply = await call(kind, chunk, client, catalogId);
    const warning =
      reply.warnings.length > 0
        ? reply.warnings
            .map((w) => `reasonCode ${w.reasonCode}: ${w.message}`)
            .join('; ')
            .slice(0, 1000)
        : undefined;
    await markSent(
      deps.db,
      chunk.map((w) => ({ id: w.row.id, hash: w.hash, payload: JSON.stringify(w.product), ...(warning ? { warning } : {}) })),
      catalogId,
      now(),
    );
    for (const w of chunk) w.outcome = { done: true };
  } catch (err) {
    const e = err instanceof SalesmanagoError ? err : new SalesmanagoV3Error('permanent', [{ reasonCode: 0, message: `unexpected error: ${errorText(err)}` }]);
    const reasonCode = e instanceof SalesmanagoV3Error ? (e.reasonCodes[0] ?? null) : null;
    if (e.kind === 'permanent' && kind !== 'upsert') {
      // A narrow call refused (e.g. the product was removed in SALESmanago meanwhile): the full upsert
      // carries everything and recreates it.
      await sendChunk(chunk, 'upsert', client, catalogId, deps, now, isolate);
      return;
    }
    if (e.kind === 'permanent' && isolate && chunk.length > 1) {
      // Which product was refused? Each alone: the others still go.
      for (const w of chunk) await sendChunk([w], kind, client, catalogId, deps, now, false);
      return;
    }
    const rows = chunk.map((w) => {
      const spent = w.row.attempts + 1 >= MAX_ATTEMPTS;
      const final = e.kind === 'permanent' || spent;
      w.outcome = final ? { done: true } : { retry: retryDelay(w.msg.attempts, e.retryAfterS, Math.random, deps.retryBaseS) };
      return {
        id: w.row.id,
        hash: w.hash,
        status: final ? ('failed' as const) : ('queued' as const),
        reasonCode,
        error: spent && e.kind !== 'permanent' ? `gave up after ${MAX_ATTEMPTS} attempts: ${e.message}` : e.message,
      };
    });
    await markOutcome(deps.db, rows, now());
  }
}

/** Each message is retried (after the longest delay any of its products asks for) or acked. */
function settle(messages: readonly Message<QueueMessage>[], work: Work[], retryBaseS: number): void {
  const delays = new Map<Message<QueueMessage>, number>();
  for (const w of work) {
    if (!w.outcome) delays.set(w.msg, Math.max(delays.get(w.msg) ?? 0, retryDelay(w.msg.attempts, undefined, Math.random, retryBaseS)));
    else if ('retry' in w.outcome) delays.set(w.msg, Math.max(delays.get(w.msg) ?? 0, w.outcome.retry));
  }
  for (const msg of messages) {
    const delay = delays.get(msg);
    if (delay !== undefined) msg.retry({ delaySeconds: delay });
    else msg.ack();
  }
}
