// The shop API's signature check as hono middleware (/api/v1/*): the signing rule and the replay
// record are identity/signature.ts; this module reads the request in the order that keeps a stranger
// from making the worker read large bodies.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { RateLimited, RequestTimeout, TooLarge, Unauthenticated, Unavailable } from '../errors.ts';
import { checkSignature, readSignatureHeader, replayWindowEnd, SIGNATURE_HEADER, SIGNATURE_REPLAYED } from '../identity/signature.ts';
import { claimSignature, rememberSignature, type SignatureClaim } from '../ledger/seen-signatures.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /**
     * The replay record of a signed write whose route records ledger rows: the route runs it in the same
     * D1 batch (ingest/enqueue.ts, in the database of the request's first item), so the request costs one
     * round trip and a replay records nothing.
     */
    signatureClaim?: SignatureClaim;
  }
}

/**
 * Why bodies are counted as they arrive, per client and against a deadline (issue 20 item 1).
 *
 * The HMAC covers the body, so a body must be received whole before anyone knows whether it is the
 * shop's; and the route needs those same bytes afterwards, so they are held either way (an
 * incremental HMAC would change neither what is held nor for how long, and WebCrypto's one-shot HMAC
 * is native). What a stranger must not be able to do is make a signed request fail or wait. The
 * earlier budget reserved each request's declared (or maximum) size before a byte arrived, so four
 * slow uploads announcing 4 MB took the whole 16 MB while holding almost nothing. Now:
 * - only bytes actually received count, so a slow upload holds (and costs) only what it has sent;
 * - each client (CF-Connecting-IP) may hold at most UNVERIFIED_CLIENT_BYTES of unverified body, so
 *   one source cannot take the instance's budget; past it, its own request is cut off (429);
 * - an unverified body must have arrived within UNVERIFIED_BODY_DEADLINE_MS (408), so a slow upload
 *   cannot hold its bytes or its slot indefinitely (a 4 MB batch needs only ~140 KB/s to make it);
 * - the instance-wide UNVERIFIED_BODY_BUDGET_BYTES stays as the memory bound (an isolate has 128 MB);
 *   it is reached only by many sources sending fast at once, and then the request whose bytes cross it
 *   is cut off (503 with Retry-After).
 * A lone request is always read whole: the limits apply only on top of bytes others hold.
 */
const UNVERIFIED_BODY_BUDGET_BYTES = 32 * 1024 * 1024;
const UNVERIFIED_CLIENT_BYTES = 8 * 1024 * 1024;
const UNVERIFIED_BODY_DEADLINE_MS = 30_000;
let unverifiedBytes = 0;
const unverifiedByClient = new Map<string, number>();

/** Unverified body bytes this instance holds now (tests). */
export function unverifiedHeld(): number {
  return unverifiedBytes;
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** Seconds a client cut off by a budget (429, 503) is told to wait: the bytes of others drain fast. */
const BUDGET_RETRY_AFTER_S = 5;

/**
 * Reads at most `max` bytes of the body: a declared Content-Length above it is refused before any
 * byte is read (TooLarge), and a body streamed without one is cut off as soon as it passes `max`.
 * Every byte held is booked to the instance and to `client` until the read ends (see above); a read
 * past the deadline throws RequestTimeout, one over the client's share RateLimited, one over the
 * instance's budget Unavailable.
 */
export async function readCapped(
  request: Request,
  max: number,
  client = '',
  limits = { instance: UNVERIFIED_BODY_BUDGET_BYTES, client: UNVERIFIED_CLIENT_BYTES, deadlineMs: UNVERIFIED_BODY_DEADLINE_MS },
): Promise<Uint8Array> {
  const tooLarge = () => new TooLarge(`body is larger than ${sizeText(max)}`);
  const declared = request.headers.get('Content-Length');
  if (declared !== null && !(Number(declared) <= max)) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), limits.deadlineMs);
  });
  const book = (bytes: number) => {
    unverifiedBytes += bytes;
    const now = (unverifiedByClient.get(client) ?? 0) + bytes;
    if (now > 0) unverifiedByClient.set(client, now);
    else unverifiedByClient.delete(client);
  };
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === 'late') {
        await reader.cancel().catch(() => undefined);
        throw new RequestTimeout(`body did not arrive within ${limits.deadlineMs / 1000} s`);
      }
      if (next.done) break;
      const value = next.value;
      if (size + value.byteLength > max) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      // Others' bytes first: a client alone on the instance is never refused by the budgets.
      const clientHeld = unverifiedByClient.get(client) ?? 0;
      if (clientHeld > size && clientHeld + value.byteLength > limits.client) {
        await reader.cancel().catch(() => undefined);
        throw new RateLimited('too many unverified request bodies from this client are being read at once; retry in a few seconds', BUDGET_RETRY_AFTER_S);
      }
      if (unverifiedBytes > size && unverifiedBytes + value.byteLength > limits.instance) {
        await reader.cancel().catch(() => undefined);
        throw new Unavailable('too many large requests are being checked at once; retry in a few seconds', BUDGET_RETRY_AFTER_S);
      }
      book(value.byteLength);
      size += value.byteLength;
      chunks.push(value);
    }
  } finally {
    if (timer !== null) clearTimeout(timer);
    book(-size);
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
    if (!secret) throw new Unavailable('SHOP_API_SECRET is not set or too short: the shop API is disabled until it is fixed (see the setup page)');
    const nowS = Math.floor(Date.now() / 1000);
    const header = readSignatureHeader(c.req.header(SIGNATURE_HEADER), nowS);
    if (!header.ok) throw new Unauthenticated(header.error);
    const isRead = c.req.method === 'GET' || c.req.method === 'HEAD';
    let body = '';
    if (!isRead) {
      const bytes = await readCapped(c.req.raw, maxBodyBytes, c.req.header('CF-Connecting-IP') ?? '');
      // The route reads the same bytes again through hono's body cache.
      // (hono keeps promises there, though its type says ArrayBuffer.)
      (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes.buffer as ArrayBuffer);
      body = new TextDecoder().decode(bytes);
    }
    const url = new URL(c.req.url);
    const check = await checkSignature(c.req.header(SIGNATURE_HEADER), secret, c.req.method, url.pathname + url.search, body, nowS);
    if (!check.ok) throw new Unauthenticated(check.error);
    if (!isRead && options.replayGuard === 'with-ledger') {
      c.set('signatureClaim', (db) => claimSignature(db, check.v1, replayWindowEnd(check.t)));
    } else if (!isRead && !(await rememberSignature(c.env.LEDGER, check.v1, replayWindowEnd(check.t)))) {
      throw new Unauthenticated(SIGNATURE_REPLAYED);
    }
    await next();
  });
