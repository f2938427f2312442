// Whether a platform signs with the secret the worker has, from what it sent last: the latest signed
// delivery against the latest refused unauthenticated one (platform_deliveries; deliveries.ts keeps one
// row for the latter). The ping proves nothing here: WooCommerce sends it unsigned (a form body
// webhook_id=<id>, class-wc-webhook.php deliver_ping), so only an order or customer delivery tells.
import { deliveryById, lastDeliveryExcept, type PlatformDelivery } from '../ledger/platform-deliveries.ts';
import { PING_ID, UNAUTHENTICATED_ID } from './deliveries.ts';
import type { PlatformName } from './platform.ts';
import type { D1Reader } from '../ledger/sessions.ts';

export type SignatureState =
  /** The latest delivery that tried was signed with our secret. */
  | 'matched'
  /** The latest one was signed with another secret (or hex instead of base64). */
  | 'mismatch'
  /** The latest one had no signature header, or the worker has no secret. */
  | 'unsigned'
  /** Nothing but pings (or nothing) yet. */
  | 'unknown';

export interface SignatureReport {
  state: SignatureState;
  lastSigned: PlatformDelivery<PlatformName> | null;
  lastRefused: PlatformDelivery<PlatformName> | null;
}

export async function signatureReport(db: D1Reader, platform: PlatformName): Promise<SignatureReport> {
  const [lastSigned, lastRefused] = await Promise.all([
    lastDeliveryExcept<PlatformName>(db, platform, [PING_ID, UNAUTHENTICATED_ID]),
    deliveryById<PlatformName>(db, platform, UNAUTHENTICATED_ID),
  ]);
  const refusedLater = lastRefused !== null && (lastSigned === null || lastRefused.receivedAt >= lastSigned.receivedAt);
  if (refusedLater) {
    // The reasons are signature.ts's own texts.
    const reason = lastRefused.reason ?? '';
    const state: SignatureState = /does not match|hex digest/.test(reason) ? 'mismatch' : 'unsigned';
    return { state, lastSigned, lastRefused };
  }
  return { state: lastSigned ? 'matched' : 'unknown', lastSigned, lastRefused };
}
