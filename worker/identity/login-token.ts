// Login tokens (docs/contracts.md "Login token"): `<b64>.<exp>.<sig>`, minted by the shop server when a customer
// logs in and carried by the tracker's login event.
//   b64 = base64url (no padding) of the UTF-8 e-mail, exp = unix seconds after which it is refused,
//   sig = lowercase hex HMAC-SHA256(SHOP_API_SECRET, `login.<b64>.<exp>`).
import { constantTimeEqual, hmacHex } from './hmac.ts';

export type LoginTokenCheck = { ok: true; email: string; exp: number } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'forged' };

const TOKEN = /^([A-Za-z0-9_-]{1,700})\.(\d{1,12})\.([0-9a-f]{64})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function loginSignedString(b64: string, exp: number | string): string {
  return `login.${b64}.${exp}`;
}

function base64UrlEncode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Shared: decode() without { stream } keeps no state, and a fatal error leaves none behind.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function base64UrlDecode(b64: string): string | null {
  // A length of 1 mod 4 cannot come from any byte string.
  if (b64.length % 4 === 1) return null;
  try {
    const binary = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

export async function mintLoginToken(secret: string, email: string, exp: number): Promise<string> {
  const b64 = base64UrlEncode(email);
  const expText = String(Math.floor(exp));
  return `${b64}.${expText}.${await hmacHex(secret, loginSignedString(b64, expText))}`;
}

/**
 * Checks a login token. The signature is checked (in constant time) before anything it protects is
 * believed; the e-mail is returned trimmed and lower-cased.
 */
export async function verifyLoginToken(secret: string, token: unknown, nowS: number): Promise<LoginTokenCheck> {
  if (typeof token !== 'string' || token === '') return { ok: false, reason: 'missing' };
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, b64 = '', expText = '', sig = ''] = match;
  const expected = await hmacHex(secret, loginSignedString(b64, expText));
  if (!constantTimeEqual(expected, sig)) return { ok: false, reason: 'forged' };
  const exp = Number(expText);
  if (nowS > exp) return { ok: false, reason: 'expired' };
  // As sent, not lower-cased: the caller checks the characters with the one e-mail rule first
  // (contact/email.ts), since lower-casing turns e.g. the Kelvin sign U+212A into an ASCII "k".
  const email = base64UrlDecode(b64)?.trim();
  // A correctly signed token carrying no e-mail is the shop's bug; it still identifies no one.
  if (!email || email.length > 254 || !EMAIL.test(email)) return { ok: false, reason: 'malformed' };
  return { ok: true, email, exp };
}
