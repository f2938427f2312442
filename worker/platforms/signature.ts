// Webhook signatures of shop platforms: WooCommerce (X-WC-Webhook-Signature) and Shopify
// (X-Shopify-Hmac-Sha256) both send base64(HMAC-SHA256(secret, raw body)). The MAC is computed over
// the raw bytes as received, before any decoding, and compared in constant time.
import { constantTimeEqual } from '../identity/hmac.ts';

export type WebhookSignatureCheck = { ok: true } | { ok: false; error: string };

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export async function hmacBase64(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, body)));
}

/** Checks `header` (named `headerName` in the messages) against the body's HMAC. */
export async function checkWebhookSignature(
  headerName: string,
  header: string | undefined | null,
  secret: string,
  body: Uint8Array,
): Promise<WebhookSignatureCheck> {
  const given = (header ?? '').trim();
  if (!given) return { ok: false, error: `missing ${headerName} header` };
  const expected = await hmacBase64(secret, body);
  if (constantTimeEqual(expected, given)) return { ok: true };
  // Name the usual mistake of hand-made senders: the hex digest where base64 is expected.
  if (/^[0-9a-f]{64}$/i.test(given)) {
    return { ok: false, error: `${headerName} looks like a hex digest; it must be the base64 HMAC-SHA256 of the raw body` };
  }
  return { ok: false, error: `${headerName} does not match the body (check the webhook secret)` };
}
