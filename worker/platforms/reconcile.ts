// Reconciliation: what the webhooks missed (a disabled WooCommerce webhook, a worker outage, a wrong
// secret, Shopify's 48-hour retry window), pulled from the platform's API and handed to the same
// processDelivery (receive.ts) a webhook goes through: the same mappers, the same ledger-first enqueue,
// so an order already delivered is a duplicate and a missed one is delivered exactly once.
//   - Window: from the end of the last window pulled whole (the first pull looks FIRST_PULL_LOOKBACK_MS
//     back) to the time the window was opened.
//   - Bounded: at most `maxPages` pages a run; the cursor (ledger/platform-pulls.ts) is saved after each
//     page, so the next run (hourly, or the /setup button) resumes there.
//   - One run at a time per platform (a lease of LEASE_MS).
//   - Rate limits: WooCommerce pages by X-WP-TotalPages-style offsets, Shopify by Link headers with its
//     leaky bucket (shopify-api.ts); a 429 ends the run, and the next one resumes.
// Each pulled object is a "delivery" with the id pull:<topic>:<object id>:<its modified time>: the same
// version pulled twice is a repeat, and the id keeps pulls apart from signed deliveries on /setup.
import { HTTPException } from 'hono/http-exception';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { claimPull, finishPull, pullState, saveCursor } from '../ledger/platform-pulls.ts';
import { InvalidRequest } from '../errors.ts';
import { logError } from '../log.ts';
import type { Platform, PlatformName } from './platform.ts';
import { shopify } from './shopify.ts';
import { woocommerce } from './woocommerce.ts';
import { processDelivery, type WebhookReply } from './receive.ts';
import { shopifyPage, shopifyUrl } from './shopify-api.ts';
import { PullError, wooGet, type Fetcher } from './woocommerce-api.ts';

export const FIRST_PULL_LOOKBACK_MS = 7 * 24 * 3_600_000;
const MAX_PAGES_PER_RUN = 10;
export const PAGE_SIZE = 50;
const LEASE_MS = 10 * 60_000;

export type ReconcilePlatform = Extract<PlatformName, 'woocommerce' | 'shopify'>;

export interface PullRun {
  platform: ReconcilePlatform;
  /** done: the window was pulled whole; partial: the page budget ran out (the next run resumes). */
  status: 'done' | 'partial' | 'busy' | 'failed';
  /** Orders and customers read from the platform in this run. */
  found: number;
  /** Events (purchases, cancellations, returns) the ledger did not have: what the webhooks missed. */
  missing: number;
  /** The pulled objects' contacts sent again (an upsert with the platform's current fields). */
  contacts: number;
  pages: number;
  error?: string;
}

type Phase = 'orders' | 'customers';

interface Cursor {
  since: number;
  until: number;
  phase: Phase;
  /** WooCommerce orders: the modified second reached and how many of that second were taken. */
  t?: number;
  k?: number;
  /** WooCommerce customers: the page (newest registrations first). */
  page?: number;
  /** Shopify: the next page's URL (null: the phase's first page). */
  next?: string | null;
}

/** Whether the platform's API credentials are configured (else the pull does nothing). */
export function pullConfigured(config: Config, platform: ReconcilePlatform): boolean {
  return platform === 'woocommerce'
    ? config.platforms.woocommerce.api !== null
    : config.platforms.shopify.adminToken !== null && config.platforms.shopify.shopDomain !== null;
}

/** The settings a pull needs, for an answer naming them. */
export const PULL_SETTINGS: Record<ReconcilePlatform, string> = {
  woocommerce: 'WOOCOMMERCE_URL, WOOCOMMERCE_CONSUMER_KEY and WOOCOMMERCE_CONSUMER_SECRET',
  shopify: 'SHOPIFY_ADMIN_TOKEN and SHOPIFY_SHOP_DOMAIN',
};

interface Item {
  topic: string;
  deliveryId: string;
  body: unknown;
}

interface PageOut {
  items: Item[];
  /** How many platform objects the page held (an order may yield several items). */
  objects: number;
  /** The cursor after this page, or null when the phase is done. */
  cursor: Cursor | null;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const gmtMs = (s: unknown) => (typeof s === 'string' ? Date.parse(/([zZ]|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`) : Number.NaN);
const idOf = (o: unknown) => String((o as { id?: unknown } | null)?.id ?? '');

async function wooPage(config: Config, c: Cursor, fetcher: Fetcher): Promise<PageOut> {
  const api = config.platforms.woocommerce.api!;
  if (c.phase === 'orders') {
    const t = c.t ?? c.since;
    const k = c.k ?? 0;
    // modified_after is exclusive at WooCommerce's one-second precision: one second back takes the
    // second t again, and the offset skips those of it already taken.
    const { json } = await wooGet(
      api,
      '/orders',
      {
        modified_after: iso(t - 1000),
        modified_before: iso(c.until),
        dates_are_gmt: 'true',
        orderby: 'modified',
        order: 'asc',
        per_page: String(PAGE_SIZE),
        offset: String(k),
      },
      fetcher,
    );
    const orders = Array.isArray(json) ? json : [];
    const items = orders.map((o) => ({
      topic: 'order.updated',
      deliveryId: `pull:order:${idOf(o)}:${String((o as { date_modified_gmt?: unknown }).date_modified_gmt ?? '')}`,
      body: o,
    }));
    const times = orders.map((o) => Math.floor(gmtMs((o as { date_modified_gmt?: unknown }).date_modified_gmt) / 1000) * 1000).filter(Number.isFinite);
    const last = times.length > 0 ? Math.max(...times) : t;
    const next: Cursor = last > t ? { ...c, t: last, k: times.filter((x) => x === last).length } : { ...c, t, k: k + orders.length };
    return { items, objects: orders.length, cursor: orders.length < PAGE_SIZE ? null : next };
  }
  // The customers collection has no modified filter (WooCommerce's v3 customers controller orders by
  // id, name or registered_date only): registrations since the window's start, newest first.
  const page = c.page ?? 1;
  const { json, totalPages } = await wooGet(
    api,
    '/customers',
    { role: 'all', orderby: 'registered_date', order: 'desc', per_page: String(PAGE_SIZE), page: String(page) },
    fetcher,
  );
  const all = Array.isArray(json) ? json : [];
  const fresh = all.filter((u) => gmtMs((u as { date_created_gmt?: unknown }).date_created_gmt) >= c.since - 1000);
  const items = fresh.map((u) => ({
    topic: 'customer.created',
    deliveryId: `pull:customer:${idOf(u)}:${String((u as { date_created_gmt?: unknown }).date_created_gmt ?? '')}`,
    body: u,
  }));
  const more = fresh.length === all.length && all.length === PAGE_SIZE && (totalPages === null || page < totalPages);
  return { items, objects: fresh.length, cursor: more ? { ...c, page: page + 1 } : null };
}

/** A Shopify order as the deliveries its webhooks would have been: paid, cancelled, each refund. */
function shopifyOrderItems(o: Record<string, unknown>): Item[] {
  const id = idOf(o);
  const at = String(o.updated_at ?? '');
  const items: Item[] = [];
  if (['paid', 'partially_refunded', 'refunded'].includes(String(o.financial_status ?? ''))) {
    items.push({ topic: 'orders/paid', deliveryId: `pull:orders/paid:${id}:${at}`, body: o });
  }
  if (o.cancelled_at) items.push({ topic: 'orders/cancelled', deliveryId: `pull:orders/cancelled:${id}:${at}`, body: o });
  for (const r of Array.isArray(o.refunds) ? (o.refunds as unknown[]) : []) {
    items.push({ topic: 'refunds/create', deliveryId: `pull:refunds/create:${idOf(r)}`, body: r });
  }
  return items;
}

async function shopifyPageOut(config: Config, c: Cursor, fetcher: Fetcher, wait?: (s: number) => Promise<void>): Promise<PageOut> {
  const { shopDomain, adminToken } = config.platforms.shopify;
  const key = c.phase;
  const url =
    c.next ??
    shopifyUrl(shopDomain!, key, {
      ...(key === 'orders' ? { status: 'any' } : {}),
      updated_at_min: new Date(c.since).toISOString(),
      updated_at_max: new Date(c.until).toISOString(),
      limit: String(PAGE_SIZE),
    });
  const page = await shopifyPage(shopDomain!, adminToken!, url, key, fetcher, wait);
  const objects = page.items.filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null);
  const items =
    key === 'orders'
      ? objects.flatMap(shopifyOrderItems)
      : objects.map((u) => ({ topic: 'customers/update', deliveryId: `pull:customers/update:${idOf(u)}:${String(u.updated_at ?? '')}`, body: u }));
  return { items, objects: objects.length, cursor: page.next ? { ...c, next: page.next } : null };
}

const PLATFORM: Record<ReconcilePlatform, Platform> = { woocommerce, shopify };

/** The platform a request names, refused (400) unless we pull it and its read-only credentials are set. */
export function reconcilable(config: Config, platform: string | undefined): ReconcilePlatform {
  if (platform !== 'woocommerce' && platform !== 'shopify') throw new InvalidRequest('platform must be "woocommerce" or "shopify"');
  if (!pullConfigured(config, platform)) {
    throw new InvalidRequest(`${PULL_SETTINGS[platform]} are not configured: the pull needs the platform's read-only API credentials (docs/platforms.md)`);
  }
  return platform;
}

/** POST /admin/reconcile: one run, in the request (an operator's, never a shop's). */
export async function reconcileRequest(env: Env, config: Config, platform: string | undefined): Promise<PullRun> {
  return reconcile(env, config, reconcilable(config, platform));
}

/**
 * One bounded run of the pull for a platform. Never throws: a failure is the run's `error` (no secret in
 * it), the cursor stays at the last page done.
 */
export async function reconcile(
  env: Env,
  config: Config,
  name: ReconcilePlatform,
  options: { now?: number; maxPages?: number; fetcher?: Fetcher; wait?: (s: number) => Promise<void> } = {},
): Promise<PullRun> {
  const now = options.now ?? Date.now();
  const fetcher: Fetcher = options.fetcher ?? ((input, init) => fetch(input, init));
  const run: PullRun = { platform: name, status: 'partial', found: 0, missing: 0, contacts: 0, pages: 0 };
  const claimed = await claimPull(env.LEDGER, name, now, now - LEASE_MS).catch((err: unknown) => {
    logError('reconciliation pull not started', { platform: name }, err);
    return null;
  });
  if (claimed === null) return { ...run, status: 'failed', error: 'the event ledger is unavailable: the pull runs again next hour' };
  if (!claimed) return { ...run, status: 'busy', error: 'another pull of this platform is running' };
  let success = false;
  try {
    const state = await pullState(env.LEDGER, name);
    let cursor: Cursor | null = parseCursor(state?.cursor);
    if (!cursor) cursor = { since: state?.pulledUntil ?? now - FIRST_PULL_LOOKBACK_MS, until: now, phase: 'orders' };
    const platform = PLATFORM[name];
    const maxPages = options.maxPages ?? MAX_PAGES_PER_RUN;
    while (cursor && run.pages < maxPages) {
      const page: PageOut = name === 'woocommerce' ? await wooPage(config, cursor, fetcher) : await shopifyPageOut(config, cursor, fetcher, options.wait);
      run.pages++;
      run.found += page.objects;
      for (const item of page.items) {
        let reply: WebhookReply;
        try {
          reply = await processDelivery(
            env,
            platform,
            { deliveryId: item.deliveryId, topic: item.topic, body: JSON.stringify(item.body), receivedAt: now },
            config,
            { onUnavailable: 'fail', fetcher },
          );
        } catch (err) {
          if (err instanceof HTTPException) throw new PullError('the event ledger is unavailable: the pull resumes on the next run');
          throw err;
        }
        for (const o of (reply.items as { id: string; status: string }[] | undefined) ?? []) {
          if (o.status !== 'queued') continue;
          if (o.id.startsWith('c:')) run.contacts++;
          else run.missing++;
        }
      }
      // The next phase, or the window done.
      const next: Cursor | null = page.cursor ?? (cursor.phase === 'orders' ? { since: cursor.since, until: cursor.until, phase: 'customers' } : null);
      await saveCursor(env.LEDGER, name, next ? JSON.stringify(next) : null, next ? null : cursor.until);
      cursor = next;
    }
    success = cursor === null;
    run.status = success ? 'done' : 'partial';
  } catch (err) {
    run.status = 'failed';
    // PullError texts name statuses and settings, never a credential; anything else is logged as ours.
    run.error = err instanceof PullError ? err.message : 'the pull failed (see the worker log)';
    if (!(err instanceof PullError)) logError('reconciliation pull failed', { platform: name }, err);
  } finally {
    await finishPull(env.LEDGER, name, { at: now, found: run.found, missing: run.missing, error: run.error ?? null, success }).catch((err: unknown) => {
      logError('reconciliation pull not recorded', { platform: name }, err);
    });
  }
  return run;
}

function parseCursor(text: string | null | undefined): Cursor | null {
  if (!text) return null;
  try {
    const c = JSON.parse(text) as Cursor;
    return typeof c.since === 'number' && typeof c.until === 'number' && (c.phase === 'orders' || c.phase === 'customers') ? c : null;
  } catch {
    return null;
  }
}

/** The hourly job: every platform with credentials, one bounded run each. */
export async function reconcileAll(env: Env, config: Config, now = Date.now()): Promise<PullRun[]> {
  const runs: PullRun[] = [];
  for (const name of ['woocommerce', 'shopify'] as const) {
    if (pullConfigured(config, name)) runs.push(await reconcile(env, config, name, { now }));
  }
  return runs;
}
