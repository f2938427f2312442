// Shop server request signatures (design.md "Shop server API"):
//   Sm-Edge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(SHOP_API_SECRET, `${t}.${METHOD}.${path+query}.${raw body}`)>
// Refused with 401 when missing, wrong, more than 300 s away from the worker's clock, or replayed.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { constantTimeEqual, hmacHex } from './hmac.ts';

export const SIGNATURE_HEADER = 'Sm-Edge-Signature';
export const SIGNATURE_WINDOW_S = 300;

export type SignatureCheck =
  | { ok: true; t: number; v1: string }
  | { ok: false; error: string };

export function signedString(t: number | string, method: string, pathWithQuery: string, body: string): string {
  return `${t}.${method.toUpperCase()}.${pathWithQuery}.${body}`;
}

export async function sign(secret: string, t: number, method: string, pathWithQuery: string, body: string): Promise<string> {
  return `t=${t},v1=${await hmacHex(secret, signedString(t, method, pathWithQuery, body))}`;
}

export async function checkSignature(
  header: string | undefined | null,
  secret: string,
  method: string,
  pathWithQuery: string,
  body: string,
  nowS: number,
): Promise<SignatureCheck> {
  if (!header) return { ok: false, error: `missing ${SIGNATURE_HEADER} header` };
  const parts = new Map<string, string>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const tText = parts.get('t');
  const v1 = parts.get('v1');
  if (!tText || !/^\d{1,12}$/.test(tText) || !v1) {
    return { ok: false, error: `malformed ${SIGNATURE_HEADER} header (expected t=<unix seconds>,v1=<hex>)` };
  }
  const t = Number(tText);
  if (Math.abs(nowS - t) > SIGNATURE_WINDOW_S) {
    return { ok: false, error: `${SIGNATURE_HEADER} timestamp is more than ${SIGNATURE_WINDOW_S} s from the worker's clock` };
  }
  const expected = await hmacHex(secret, signedString(tText, method, pathWithQuery, body));
  if (!constantTimeEqual(expected, v1.toLowerCase())) {
    return { ok: false, error: `${SIGNATURE_HEADER} does not match the request` };
  }
  return { ok: true, t, v1: v1.toLowerCase() };
}

/**
 * Remembers a signature until it leaves the window; false when it was seen before (a replay).
 * D1 gives a strongly consistent insert-once, which KV's eventual consistency cannot.
 */
export async function firstUse(db: D1Database, v1: string, t: number): Promise<boolean> {
  const result = await db
    .prepare('INSERT OR IGNORE INTO seen_signatures (signature, expires_at) VALUES (?, ?)')
    .bind(v1, (t + SIGNATURE_WINDOW_S) * 1000)
    .run();
  return result.meta.changes === 1;
}

/**
 * hono middleware for /api/v1/*: verifies the signature and refuses replayed writes. Reads (GET) are
 * not checked for replay: repeating one changes nothing, and two identical polls within the same
 * second legitimately carry the same signature.
 */
export const verifyShopSignature = createMiddleware<AppEnv>(async (c, next) => {
  const secret = c.env.SHOP_API_SECRET?.trim();
  if (!secret) return c.json({ error: 'SHOP_API_SECRET is not configured on the worker' }, 401);
  const url = new URL(c.req.url);
  const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
  const check = await checkSignature(
    c.req.header(SIGNATURE_HEADER),
    secret,
    c.req.method,
    url.pathname + url.search,
    body,
    Math.floor(Date.now() / 1000),
  );
  if (!check.ok) return c.json({ error: check.error }, 401);
  const isRead = c.req.method === 'GET' || c.req.method === 'HEAD';
  if (!isRead && !(await firstUse(c.env.LEDGER, check.v1, check.t))) {
    return c.json({ error: `${SIGNATURE_HEADER} was already used (replay)` }, 401);
  }
  await next();
});
