// Table platform_deliveries (migrations/0040_platform_deliveries.sql): what each shop platform sent
// and what became of it, one row per (platform, platform delivery id), so a repeat is recognised.
// What counts as settled, and the one shared row for unauthenticated refusals, are decided in
// platforms/deliveries.ts; the platform's name is a type parameter so this module needs none of it.
import { deleteOlderThan } from './parts.ts';

export type DeliveryOutcome = 'accepted' | 'ignored' | 'ping' | 'refused';

export interface PlatformDelivery<P extends string = string> {
  platform: P;
  deliveryId: string;
  topic: string | null;
  outcome: DeliveryOutcome;
  httpStatus: number;
  reason: string | null;
  items: string[];
  receivedAt: number;
  /** SHA-256 (hex) of the raw body; null when not computed (an unauthenticated delivery, a ping). */
  bodyDigest?: string | null;
}

/** The stored outcome of a delivery, or null when it was never received. */
export async function deliveryOutcome(db: D1Database, platform: string, deliveryId: string): Promise<DeliveryOutcome | null> {
  const row = await db
    .prepare('SELECT outcome FROM platform_deliveries WHERE platform = ? AND delivery_id = ?')
    .bind(platform, deliveryId)
    .first<{ outcome: DeliveryOutcome }>();
  return row?.outcome ?? null;
}

/**
 * Whether a delivery with this id, or with the same topic and raw body under any id, ended in one of
 * `outcomes` (platforms/deliveries.ts says which outcomes are settled).
 */
export async function anyDeliveryWith(
  db: D1Database,
  platform: string,
  match: { deliveryId: string; topic: string; bodyDigest: string },
  outcomes: readonly DeliveryOutcome[],
): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS found FROM platform_deliveries
       WHERE platform = ?1 AND (delivery_id = ?2 OR (body_digest = ?3 AND topic = ?4))
         AND outcome IN (SELECT value FROM json_each(?5)) LIMIT 1`,
    )
    .bind(platform, match.deliveryId, match.bodyDigest, match.topic, JSON.stringify(outcomes))
    .first<{ found: number }>();
  return row !== null;
}

/** Records (or overwrites: a retried refusal, a later ping) the delivery's row; a statement, for the receiver's batch. */
export function recordDelivery(db: D1Database, d: PlatformDelivery): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO platform_deliveries (platform, delivery_id, topic, outcome, http_status, reason, items, received_at, body_digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (platform, delivery_id) DO UPDATE SET topic = excluded.topic, outcome = excluded.outcome,
         http_status = excluded.http_status, reason = excluded.reason, items = excluded.items, received_at = excluded.received_at,
         body_digest = excluded.body_digest`,
    )
    .bind(d.platform, d.deliveryId, d.topic, d.outcome, d.httpStatus, d.reason?.slice(0, 1000) ?? null, JSON.stringify(d.items), d.receivedAt, d.bodyDigest ?? null);
}

interface Row {
  platform: string;
  delivery_id: string;
  topic: string | null;
  outcome: DeliveryOutcome;
  http_status: number;
  reason: string | null;
  items: string | null;
  received_at: number;
}

const fromRow = <P extends string>(r: Row): PlatformDelivery<P> => ({
  platform: r.platform as P,
  deliveryId: r.delivery_id,
  topic: r.topic,
  outcome: r.outcome,
  httpStatus: r.http_status,
  reason: r.reason,
  items: r.items ? (JSON.parse(r.items) as string[]) : [],
  receivedAt: r.received_at,
});

export async function lastDelivery<P extends string>(db: D1Database, platform: P): Promise<PlatformDelivery<P> | null> {
  const row = await db
    .prepare('SELECT * FROM platform_deliveries WHERE platform = ? ORDER BY received_at DESC LIMIT 1')
    .bind(platform)
    .first<Row>();
  return row ? fromRow<P>(row) : null;
}

export async function deliveryById<P extends string>(db: D1Database, platform: P, deliveryId: string): Promise<PlatformDelivery<P> | null> {
  const row = await db
    .prepare('SELECT * FROM platform_deliveries WHERE platform = ? AND delivery_id = ?')
    .bind(platform, deliveryId)
    .first<Row>();
  return row ? fromRow<P>(row) : null;
}

/**
 * Deletes at most `limit` rows received before `before` (unix ms); answers how many. The statement
 * delivery/retention.ts runs in bounded batches.
 */
export function prunePlatformDeliveries(db: D1Database, before: number, limit: number): Promise<number> {
  return deleteOlderThan(db, 'platform_deliveries', 'received_at', before, limit);
}
