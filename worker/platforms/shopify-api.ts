// Shopify's Admin REST API with an access token (SHOPIFY_ADMIN_TOKEN, scopes read_orders and
// read_customers) on SHOPIFY_SHOP_DOMAIN. Its order, refund and customer objects are the webhooks'
// payloads, so the same mappers read them. Pages follow the Link header's rel="next" (cursor-based
// pagination: a page_info URL carries the filters itself). Rate limits: the leaky bucket of
// X-Shopify-Shop-Api-Call-Limit ("used/size", leaking 2 calls a second on standard plans) and a 429 with
// Retry-After. The token never appears in a log line or an answer.
import { PullError, type Fetcher } from './woocommerce-api.ts';

const SHOPIFY_API_VERSION = '2025-01';

/** Above this share of the bucket, the next call waits for it to drain a little. */
const BUCKET_HIGH = 0.8;
/** Shopify's leak rate on standard plans: calls per second. */
const LEAK_PER_S = 2;
/** A 429's Retry-After up to this is waited for in the run; a longer one ends the run (it resumes later). */
const MAX_WAIT_S = 10;

export interface ShopifyPage {
  items: unknown[];
  /** The URL of the next page (Link rel="next"), or null on the last. */
  next: string | null;
}

/** The rel="next" URL of a Link header, if any. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1]!;
  }
  return null;
}

/** Seconds to wait before the next call, from "used/size" (0 while the bucket has room). */
export function bucketWait(header: string | null): number {
  const m = /^(\d+)\/(\d+)$/.exec((header ?? '').trim());
  if (!m) return 0;
  const used = Number(m[1]);
  const size = Number(m[2]);
  if (size <= 0 || used < size * BUCKET_HIGH) return 0;
  return (used - Math.floor(size * BUCKET_HIGH) + 1) / LEAK_PER_S;
}

export function shopifyUrl(domain: string, resource: string, params: Record<string, string>): string {
  return `https://${domain}/admin/api/${SHOPIFY_API_VERSION}/${resource}.json?${new URLSearchParams(params).toString()}`;
}

const sleep = (s: number) => new Promise<void>((r) => setTimeout(r, s * 1000));

/**
 * One page: `url` from shopifyUrl or a previous page's `next`. `key` is the collection's key in the
 * answer ("orders", "customers"). Waits on a nearly full bucket and once on a short 429.
 */
export async function shopifyPage(
  domain: string,
  token: string,
  url: string,
  key: string,
  fetcher: Fetcher,
  wait: (s: number) => Promise<void> = sleep,
): Promise<ShopifyPage> {
  // Only the configured shop, whatever a Link header says.
  if (!url.startsWith(`https://${domain}/admin/api/`)) throw new PullError('Shopify gave a next page on another host');
  for (let attempt = 0; ; attempt++) {
    const res = await fetcher(url, { headers: { 'X-Shopify-Access-Token': token, Accept: 'application/json' } }).catch(() => {
      throw new PullError(`Shopify could not be reached for ${key} (check SHOPIFY_SHOP_DOMAIN)`);
    });
    if (res.status === 429) {
      await res.body?.cancel();
      const after = Number(res.headers.get('Retry-After'));
      const s = Number.isFinite(after) && after > 0 ? after : 2;
      if (attempt > 0 || s > MAX_WAIT_S) throw new PullError(`Shopify's rate limit (429, Retry-After ${s} s): the pull resumes on the next run`, s);
      await wait(s);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const hint = res.status === 401 || res.status === 403 ? ' (check SHOPIFY_ADMIN_TOKEN and its scopes read_orders, read_customers)' : '';
      throw new PullError(`Shopify answered ${res.status} for ${key}${hint}`);
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new PullError(`Shopify's answer for ${key} is not JSON`);
    }
    const items = (json as Record<string, unknown> | null)?.[key];
    if (!Array.isArray(items)) throw new PullError(`Shopify's answer has no "${key}" list`);
    const pause = bucketWait(res.headers.get('X-Shopify-Shop-Api-Call-Limit'));
    if (pause > 0) await wait(Math.min(pause, MAX_WAIT_S));
    return { items, next: nextLink(res.headers.get('Link')) };
  }
}
