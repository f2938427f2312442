// Cart-recovery tokens (docs/import-and-recovery.md "Cart-recovery links"): `<body>.<sig>`, the path
// segment of GET /r/<token>. Compact enough for an e-mail link, readable by no one but the worker.
//   body = base64url (no padding) of deflate-raw(JSON [1, exp, contactId | "", [[id, quantity], ...]])
//   sig  = base64url of the first 16 bytes of HMAC-SHA256(key, "cart." + body)
//   key  = HKDF-SHA256(SHOP_API_SECRET, info "sm-edge cart-recovery v1"): never the raw secret, so a
//          token can never be replayed as a login token or a request signature, nor the other way round.
// The signature is checked before the body is inflated or parsed: nothing unsigned is ever decompressed.
import { constantTimeEqual } from './hmac.ts';

export interface RecoveryLine {
  id: string;
  quantity: number;
}

export interface RecoveryCart {
  /** SALESmanago contactId (the smclient cookie value), or '' when the contact's id is not known. */
  contactId: string;
  lines: RecoveryLine[];
  /** Unix seconds after which the token is refused. */
  exp: number;
}

/** Which check refused a token: for tests and counters only; the visitor is never told. */
export type RecoveryCheck = { ok: true; cart: RecoveryCart } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

const encoder = new TextEncoder();
const INFO = encoder.encode('sm-edge cart-recovery v1');
const SIG_BYTES = 16;
/** A 10-line cart is ~250 characters; anything much longer did not come from us. */
const MAX_TOKEN_LENGTH = 4000;
const TOKEN = /^([A-Za-z0-9_-]{4,4000})\.([A-Za-z0-9_-]{22})$/;
const MAX_LINES = 200;

const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key derived from the shop secret (HKDF), cached per secret for the isolate's life. */
function recoveryKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: INFO },
          base,
          { name: 'HMAC', hash: 'SHA-256', length: 256 },
          false,
          ['sign'],
        ),
      );
    if (keys.size > 8) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

async function signature(secret: string, body: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await recoveryKey(secret), encoder.encode(`cart.${body}`));
  return toBase64Url(new Uint8Array(mac).slice(0, SIG_BYTES));
}

export async function mintRecoveryToken(secret: string, cart: RecoveryCart): Promise<string> {
  const json = JSON.stringify([1, Math.floor(cart.exp), cart.contactId, cart.lines.map((l) => [l.id, l.quantity])]);
  const body = toBase64Url(await transform(encoder.encode(json), new CompressionStream('deflate-raw')));
  return `${body}.${await signature(secret, body)}`;
}

export async function verifyRecoveryToken(secret: string, token: string, nowS: number): Promise<RecoveryCheck> {
  const match = token.length <= MAX_TOKEN_LENGTH + 23 ? TOKEN.exec(token) : null;
  if (!match) return { ok: false, reason: 'malformed' };
  const [, body = '', sig = ''] = match;
  if (!constantTimeEqual(await signature(secret, body), sig)) return { ok: false, reason: 'forged' };
  const cart = await decode(body);
  if (!cart) return { ok: false, reason: 'malformed' };
  if (nowS > cart.exp) return { ok: false, reason: 'expired' };
  return { ok: true, cart };
}

async function decode(body: string): Promise<RecoveryCart | null> {
  try {
    const bytes = await transform(fromBase64Url(body), new DecompressionStream('deflate-raw'));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!Array.isArray(value) || value[0] !== 1) return null;
    const [, exp, contactId, lines] = value as unknown[];
    if (typeof exp !== 'number' || typeof contactId !== 'string' || !Array.isArray(lines) || lines.length > MAX_LINES) return null;
    const out: RecoveryLine[] = [];
    for (const line of lines) {
      if (!Array.isArray(line) || typeof line[0] !== 'string' || !Number.isInteger(line[1]) || line[1] < 1) return null;
      out.push({ id: line[0], quantity: line[1] });
    }
    return { exp, contactId, lines: out };
  } catch {
    return null;
  }
}

async function transform(input: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([input]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));
}
