// The platform_deliveries table (migrations/0040_platform_deliveries.sql): what each platform sent and
// what became of it. Keyed by the platform's delivery id, so a repeat is recognised; refusals that
// failed authentication share ONE row per platform, so unsigned traffic cannot grow the table.
import type { PlatformName } from './platform.ts';

export type DeliveryOutcome = 'accepted' | 'ignored' | 'ping' | 'refused';

export interface PlatformDelivery {
  platform: PlatformName;
  deliveryId: string;
  topic: string | null;
  outcome: DeliveryOutcome;
  httpStatus: number;
  reason: string | null;
  items: string[];
  receivedAt: number;
}

/** The row kept for the latest delivery that failed authentication (bad or missing signature). */
export const UNAUTHENTICATED_ID = '-unauthenticated';

/** Outcomes after which a repeat of the same delivery id changes nothing. */
const SETTLED: readonly DeliveryOutcome[] = ['accepted', 'ignored'];

export async function wasSettled(db: D1Database, platform: PlatformName, deliveryId: string): Promise<boolean> {
  const row = await db
    .prepare('SELECT outcome FROM platform_deliveries WHERE platform = ? AND delivery_id = ?')
    .bind(platform, deliveryId)
    .first<{ outcome: DeliveryOutcome }>();
  return row !== null && SETTLED.includes(row.outcome);
}

/** Records (or overwrites: a retried refusal, a later ping) the delivery's row. */
export function recordDelivery(db: D1Database, d: PlatformDelivery): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO platform_deliveries (platform, delivery_id, topic, outcome, http_status, reason, items, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (platform, delivery_id) DO UPDATE SET topic = excluded.topic, outcome = excluded.outcome,
         http_status = excluded.http_status, reason = excluded.reason, items = excluded.items, received_at = excluded.received_at`,
    )
    .bind(d.platform, d.deliveryId, d.topic, d.outcome, d.httpStatus, d.reason?.slice(0, 1000) ?? null, JSON.stringify(d.items), d.receivedAt);
}

interface Row {
  platform: PlatformName;
  delivery_id: string;
  topic: string | null;
  outcome: DeliveryOutcome;
  http_status: number;
  reason: string | null;
  items: string | null;
  received_at: number;
}

const fromRow = (r: Row): PlatformDelivery => ({
  platform: r.platform,
  deliveryId: r.delivery_id,
  topic: r.topic,
  outcome: r.outcome,
  httpStatus: r.http_status,
  reason: r.reason,
  items: r.items ? (JSON.parse(r.items) as string[]) : [],
  receivedAt: r.received_at,
});

export async function lastDelivery(db: D1Database, platform: PlatformName): Promise<PlatformDelivery | null> {
  const row = await db
    .prepare('SELECT * FROM platform_deliveries WHERE platform = ? ORDER BY received_at DESC LIMIT 1')
    .bind(platform)
    .first<Row>();
  return row ? fromRow(row) : null;
}

export async function deliveryById(db: D1Database, platform: PlatformName, deliveryId: string): Promise<PlatformDelivery | null> {
  const row = await db
    .prepare('SELECT * FROM platform_deliveries WHERE platform = ? AND delivery_id = ?')
    .bind(platform, deliveryId)
    .first<Row>();
  return row ? fromRow(row) : null;
}
