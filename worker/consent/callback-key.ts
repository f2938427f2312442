// The callbacks' only authentication: key = hex sha1(email + CALLBACK_SECRET), as SALESmanago
// evaluates the sha1($email$<secret>) expression of the URL template (docs/salesmanago-api.md §5).
import { constantTimeEqual, toHex } from '../identity/hmac.ts';

const encoder = new TextEncoder();

async function sha1Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-1', encoder.encode(text))));
}

export function callbackKey(email: string, secret: string): Promise<string> {
  return sha1Hex(email + secret);
}

/**
 * True when the key matches the normalised e-mail, or the address exactly as received (SALESmanago
 * may keep an address's original capitals when it evaluates sha1). Both checks run in constant time.
 */
export async function keyMatches(key: string, email: string, asReceived: string, secret: string): Promise<boolean> {
  const given = key.trim().toLowerCase();
  const normalised = constantTimeEqual(await callbackKey(email, secret), given);
  const original = constantTimeEqual(await callbackKey(asReceived, secret), given);
  return normalised || original;
}
