// Shop server request signatures (design.md "Shop server API"):
//   Sm-Edge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(SHOP_API_SECRET, `${t}.${METHOD}.${path+query}.${raw body}`)>
// Refused with 401 when missing, wrong, more than 300 s away from the worker's clock, or replayed.
import { createMiddleware } from 'hono/factory';
import { readConfig } from '../config.ts';
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

/** The header's parts, checked without the body: present, well-formed, within the window. */
export function readSignatureHeader(
  header: string | undefined | null,
  nowS: number,
): { ok: true; tText: string; t: number; v1: string } | { ok: false; error: string } {
  if (!header) return { ok: false, error: `missing ${SIGNATURE_HEADER} header` };
  const parts = new Map<string, string>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const tText = parts.get('t');
  const v1 = parts.get('v1');
  if (!tText || !/^\d{1,12}$/.test(tText) || !v1 || !/^[0-9a-f]{64}$/i.test(v1)) {
    return { ok: false, error: `malformed ${SIGNATURE_HEADER} header (expected t=<unix seconds>,v1=<hex>)` };
  }
  const t = Number(tText);
  if (Math.abs(nowS - t) > SIGNATURE_WINDOW_S) {
    return { ok: false, error: `${SIGNATURE_HEADER} timestamp is more than ${SIGNATURE_WINDOW_S} s from the worker's clock` };
  }
  return { ok: true, tText, t, v1: v1.toLowerCase() };
}

export async function checkSignature(
  header: string | undefined | null,
  secret: string,
  method: string,
  pathWithQuery: string,
  body: string,
  nowS: number,
): Promise<SignatureCheck> {
  const read = readSignatureHeader(header, nowS);
  if (!read.ok) return read;
  const expected = await hmacHex(secret, signedString(read.tText, method, pathWithQuery, body));
  if (!constantTimeEqual(expected, read.v1)) {
    return { ok: false, error: `${SIGNATURE_HEADER} does not match the request` };
  }
  return { ok: true, t: read.t, v1: read.v1 };
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
 * Reads at most `max` bytes of the body: a declared Content-Length above it is refused before any
 * byte is read, and a body streamed without one is cut off as soon as it passes `max`.
 */
export async function readCapped(request: Request, max: number): Promise<Uint8Array | null> {
  const declared = request.headers.get('Content-Length');
  if (declared !== null && !(Number(declared) <= max)) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * Bytes of not-yet-authenticated bodies this instance may hold at once. A body must be read before
 * its HMAC can be checked, so a stranger with a well-formed header could otherwise make an instance
 * hold many large bodies at once (an isolate has 128 MB). Over the budget, the request is answered
 * 503 with Retry-After; one request is always admitted, so the limit never blocks a lone shop.
 */
export const UNVERIFIED_BODY_BUDGET_BYTES = 16 * 1024 * 1024;
let unverifiedBytes = 0;

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/**
 * hono middleware for /api/v1/*: verifies the signature and refuses replayed writes, cheapest checks
 * first (issue 10 item 3): the secret is configured and strong enough (else 503, fail closed), the
 * header is present, well-formed and within the window (else 401), the body fits `maxBodyBytes`
 * (else 413): only then is the body read and the HMAC computed. Reads (GET) are not checked for
 * replay: repeating one changes nothing, and two identical polls within the same second
 * legitimately carry the same signature.
 */
export const shopSignature = (maxBodyBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    // readConfig refuses a secret below its minimum length: a weak one authenticates nothing.
    const secret = readConfig(c.env).shopApiSecret;
    if (!secret) {
      return c.json({ error: 'SHOP_API_SECRET is not set or too short: the shop API is disabled until it is fixed (see the setup page)' }, 503);
    }
    const nowS = Math.floor(Date.now() / 1000);
    const header = readSignatureHeader(c.req.header(SIGNATURE_HEADER), nowS);
    if (!header.ok) return c.json({ error: header.error }, 401);
    const isRead = c.req.method === 'GET' || c.req.method === 'HEAD';
    let body = '';
    let check: SignatureCheck;
    const declared = Number(c.req.header('Content-Length') ?? Number.NaN);
    const reserved = isRead ? 0 : Math.min(maxBodyBytes, Number.isFinite(declared) && declared >= 0 ? declared : maxBodyBytes);
    if (reserved > 0 && unverifiedBytes > 0 && unverifiedBytes + reserved > UNVERIFIED_BODY_BUDGET_BYTES) {
      c.header('Retry-After', '5');
      return c.json({ error: 'too many large requests are being checked at once; retry in a few seconds' }, 503);
    }
    unverifiedBytes += reserved;
    try {
      if (!isRead) {
        const bytes = await readCapped(c.req.raw, maxBodyBytes);
        if (!bytes) return c.json({ error: `body is larger than ${sizeText(maxBodyBytes)}` }, 413);
        // The route reads the same bytes again through hono's body cache.
        // (hono keeps promises there, though its type says ArrayBuffer.)
        (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes.buffer as ArrayBuffer);
        body = new TextDecoder().decode(bytes);
      }
      const url = new URL(c.req.url);
      check = await checkSignature(c.req.header(SIGNATURE_HEADER), secret, c.req.method, url.pathname + url.search, body, nowS);
    } finally {
      unverifiedBytes -= reserved;
    }
    if (!check.ok) return c.json({ error: check.error }, 401);
    if (!isRead && !(await firstUse(c.env.LEDGER, check.v1, check.t))) {
      return c.json({ error: `${SIGNATURE_HEADER} was already used (replay)` }, 401);
    }
    await next();
  });
