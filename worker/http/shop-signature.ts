// The shop API's signature check as hono middleware (/api/v1/*): the signing rule and the replay
// record are identity/signature.ts; this module reads the request in the order that keeps a stranger
// from making the worker read large bodies.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { checkSignature, readSignatureHeader, replayWindowEnd, SIGNATURE_HEADER, SIGNATURE_REPLAYED, type SignatureCheck } from '../identity/signature.ts';
import { claimSignature, rememberSignature } from '../ledger/seen-signatures.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /**
     * The replay record of a signed write whose route records ledger rows: the route runs it in the same
     * D1 batch (ingest/enqueue.ts), so the request costs one round trip and a replay records nothing.
     */
    signatureClaim?: D1PreparedStatement;
  }
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
export const shopSignature = (maxBodyBytes: number, options: { replayGuard: 'now' | 'with-ledger' } = { replayGuard: 'now' }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    // readConfig refuses a secret below its minimum length: a weak one authenticates nothing.
    const secret = c.var.config.shopApiSecret;
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
    if (!isRead && options.replayGuard === 'with-ledger') {
      c.set('signatureClaim', claimSignature(c.env.LEDGER, check.v1, replayWindowEnd(check.t)));
    } else if (!isRead && !(await rememberSignature(c.env.LEDGER, check.v1, replayWindowEnd(check.t)))) {
      return c.json({ error: SIGNATURE_REPLAYED }, 401);
    }
    await next();
  });
