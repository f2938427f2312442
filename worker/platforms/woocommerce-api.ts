// WooCommerce's REST API v3 with a read-only consumer key (WOOCOMMERCE_URL, WOOCOMMERCE_CONSUMER_KEY,
// WOOCOMMERCE_CONSUMER_SECRET). Over https the key goes as HTTP Basic; over plain http WooCommerce accepts
// only OAuth 1.0a one-legged, signed over METHOD&url&sorted-params with "<secret>&" (woocommerce
// includes/class-wc-rest-authentication.php check_oauth_signature, 10.9.1 lines 399-435). The key and
// secret never appear in a log line or an answer; an error names the status only.
import type { WooApiConfig } from '../config.ts';

export type Fetcher = (input: string, init?: RequestInit) => Promise<Response>;

export class PullError extends Error {
  constructor(
    message: string,
    /** Seconds to wait before trying again, when the platform said so (429 Retry-After). */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** RFC 3986 percent-encoding, as PHP's rawurlencode (OAuth 1.0a §3.6). */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

async function hmacSha256Base64(key: string, text: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(text))));
}

/** The signed URL (http: OAuth 1.0a query parameters) and headers (https: Basic) of a GET. */
export async function signedGet(
  api: WooApiConfig,
  path: string,
  params: Record<string, string>,
  now = Date.now(),
): Promise<{ url: string; headers: Record<string, string> }> {
  const base = `${api.url}/wp-json/wc/v3${path}`;
  if (base.startsWith('https://')) {
    const query = new URLSearchParams(params).toString();
    return { url: query ? `${base}?${query}` : base, headers: { Authorization: `Basic ${toBase64(new TextEncoder().encode(`${api.key}:${api.secret}`))}` } };
  }
  const nonce = toBase64(crypto.getRandomValues(new Uint8Array(12))).replace(/[^A-Za-z0-9]/g, '');
  const all: Record<string, string> = {
    ...params,
    oauth_consumer_key: api.key,
    oauth_nonce: nonce,
    oauth_signature_method: 'HMAC-SHA256',
    oauth_timestamp: String(Math.floor(now / 1000)),
  };
  const sorted = Object.keys(all)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(all[k]!)}`);
  const signature = await hmacSha256Base64(`${api.secret}&`, `GET&${rfc3986(base)}&${rfc3986(sorted.join('&'))}`);
  return { url: `${base}?${sorted.join('&')}&oauth_signature=${rfc3986(signature)}`, headers: {} };
}

/** One GET of a collection or an object; a non-2xx is a PullError naming the status (never the key). */
export async function wooGet(
  api: WooApiConfig,
  path: string,
  params: Record<string, string>,
  fetcher: Fetcher,
): Promise<{ json: unknown; totalPages: number | null }> {
  const { url, headers } = await signedGet(api, path, params);
  // A network error is named without the URL: over http it carries the consumer key.
  const res = await fetcher(url, { headers: { Accept: 'application/json', ...headers } }).catch(() => {
    throw new PullError(`WooCommerce could not be reached for ${path} (check WOOCOMMERCE_URL)`);
  });
  if (!res.ok) {
    await res.body?.cancel();
    const retry = Number(res.headers.get('Retry-After'));
    const hint =
      res.status === 401 || res.status === 403
        ? ' (check WOOCOMMERCE_CONSUMER_KEY and WOOCOMMERCE_CONSUMER_SECRET, and that the site uses "post name" permalinks)'
        : '';
    throw new PullError(`WooCommerce answered ${res.status} for ${path}${hint}`, Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  const total = Number(res.headers.get('X-WP-TotalPages'));
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new PullError(`WooCommerce's answer for ${path} is not JSON (is WOOCOMMERCE_URL the shop's address?)`);
  }
  return { json, totalPages: Number.isFinite(total) && res.headers.has('X-WP-TotalPages') ? total : null };
}
