// Shop server request signatures (docs/contracts.md "Shop server API"):
//   Sm-Edge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(SHOP_API_SECRET, `${t}.${METHOD}.${path+query}.${raw body}`)>
// Refused with 401 when missing, wrong, more than 300 s away from the worker's clock, or replayed.
// Pure functions; the middleware that applies them, and the replay record, are http/shop-signature.ts.
import { constantTimeEqual, hmacHex } from './hmac.ts';

export const SIGNATURE_HEADER = 'Sm-Edge-Signature';
export const SIGNATURE_WINDOW_S = 300;
/** The answer to a signed write whose signature was used before. */
export const SIGNATURE_REPLAYED = `${SIGNATURE_HEADER} was already used (replay)`;

export type SignatureCheck = { ok: true; t: number; v1: string } | { ok: false; error: string };

function signedString(t: number | string, method: string, pathWithQuery: string, body: string): string {
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

/** Until when (unix ms) a signature must be remembered to refuse its replays: the end of its window. */
export function replayWindowEnd(t: number): number {
  return (t + SIGNATURE_WINDOW_S) * 1000;
}
