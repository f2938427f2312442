// What each platform sent and what became of it (table platform_deliveries, ledger/platform-deliveries.ts).
// Keyed by the platform's delivery id, so a repeat is recognised; refusals that failed authentication
// share ONE row per platform, so unsigned traffic cannot grow the table.
import { anyDeliveryWith, type DeliveryOutcome, type PlatformDelivery as StoredDelivery } from '../ledger/platform-deliveries.ts';
import type { PlatformName } from './platform.ts';

export { deliveryById, lastDelivery, recordDelivery, type DeliveryOutcome } from '../ledger/platform-deliveries.ts';

export type PlatformDelivery = StoredDelivery<PlatformName>;

/** The row kept for the latest delivery that failed authentication (bad or missing signature). */
export const UNAUTHENTICATED_ID = '-unauthenticated';

/** The one row of a platform's unsigned ping (WooCommerce's, sent when a webhook is saved). */
export const PING_ID = '-ping';

/** Outcomes after which a repeat of the same delivery id changes nothing. */
const SETTLED: readonly DeliveryOutcome[] = ['accepted', 'ignored'];

/**
 * A repeat: the delivery id was settled, or the same topic with the same raw body was, under any id.
 * The signature covers the body only, so anyone who saw one delivery can re-send its bytes under a new
 * X-WC-Webhook-Delivery-ID (or none); the body digest is what the sender cannot change.
 */
export function wasSettled(db: D1Database, platform: PlatformName, delivery: { deliveryId: string; topic: string; bodyDigest: string }): Promise<boolean> {
  return anyDeliveryWith(db, platform, delivery, SETTLED);
}
