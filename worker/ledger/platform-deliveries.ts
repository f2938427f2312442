// Table platform_deliveries (migrations/0040_platform_deliveries.sql): what each shop platform sent
// and what became of it, one row per (platform, platform delivery id), so a repeat is recognised.
// What counts as settled, and the one shared row for unauthenticated refusals, are decided in
// platforms/deliveries.ts; the platform's name is a type parameter so this module needs none of it.
import { deleteOlderThan } from './parts.ts';
import type { D1Reader } from './sessions.ts';

// 'kept': signed, but it could not become events yet (migrations/0090_platform_kept.sql): the body is
// stored with the reason, for a replay after the fix.
export type DeliveryOutcome = 'accepted' | 'ignored' | 'ping' | 'refused' | 'kept';

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
  /** The raw body, kept only with outcome 'kept' (cleared when a later outcome overwrites the row). */
  body?: string | null;
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
      `INSERT INTO platform_deliveries (platform, delivery_id, topic, outcome, http_status, reason, items, received_at, body_digest, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (platform, delivery_id) DO UPDATE SET topic = excluded.topic, outcome = excluded.outcome,
         http_status = excluded.http_status, reason = excluded.reason, items = excluded.items, received_at = excluded.received_at,
         body_digest = excluded.body_digest, body = excluded.body`,
    )
    .bind(
      d.platform,
      d.deliveryId,
      d.topic,
      d.outcome,
      d.httpStatus,
      d.reason?.slice(0, 1000) ?? null,
      JSON.stringify(d.items),
      d.receivedAt,
      d.bodyDigest ?? null,
      d.body ?? null,
    );
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
  body?: string | null;
  body_digest?: string | null;
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
  ...(r.body ? { body: r.body } : {}),
  ...(r.body_digest ? { bodyDigest: r.body_digest } : {}),
});

export async function lastDelivery<P extends string>(db: D1Reader, platform: P): Promise<PlatformDelivery<P> | null> {
  const row = await db
    // What the platform sent: rows of items pulled by reconciliation (ids "pull:…") are not deliveries.
    .prepare("SELECT * FROM platform_deliveries WHERE platform = ? AND delivery_id NOT LIKE 'pull:%' ORDER BY received_at DESC LIMIT 1")
    .bind(platform)
    .first<Row>();
  return row ? fromRow<P>(row) : null;
}

/** The latest delivery other than the rows named in `except` (e.g. the ping and the unauthenticated row). */
export async function lastDeliveryExcept<P extends string>(db: D1Reader, platform: P, except: readonly string[]): Promise<PlatformDelivery<P> | null> {
  const row = await db
    // Pulled items (platforms/reconcile.ts, ids "pull:…") are no delivery the platform signed.
    .prepare(
      `SELECT * FROM platform_deliveries WHERE platform = ? AND delivery_id NOT IN (${except.map(() => '?').join(', ') || "''"}) AND delivery_id NOT LIKE 'pull:%' ORDER BY received_at DESC LIMIT 1`,
    )
    .bind(platform, ...except)
    .first<Row>();
  return row ? fromRow<P>(row) : null;
}

/** Kept deliveries (outcome 'kept'), oldest first, with their bodies; `platform` null = every platform. */
export async function keptDeliveries(db: D1Database, platform: string | null, limit: number): Promise<PlatformDelivery[]> {
  const { results } = await db
    .prepare(`SELECT * FROM platform_deliveries WHERE outcome = 'kept' AND (?1 IS NULL OR platform = ?1) ORDER BY received_at LIMIT ?2`)
    .bind(platform, limit)
    .all<Row>();
  return results.map((r) => fromRow(r));
}

/** How many deliveries of the platform are kept, and the latest reasons. */
export async function keptSummary(
  db: D1Reader,
  platform: string,
  reasons = 3,
): Promise<{ count: number; latest: { topic: string | null; reason: string | null; receivedAt: number }[] }> {
  const [count, latest] = await db.batch<{ n?: number; topic?: string | null; reason?: string | null; received_at?: number }>([
    db.prepare(`SELECT COUNT(*) AS n FROM platform_deliveries WHERE platform = ? AND outcome = 'kept'`).bind(platform),
    db
      .prepare(`SELECT topic, reason, received_at FROM platform_deliveries WHERE platform = ? AND outcome = 'kept' ORDER BY received_at DESC LIMIT ?`)
      .bind(platform, reasons),
  ]);
  return {
    count: count?.results[0]?.n ?? 0,
    latest: (latest?.results ?? []).map((r) => ({ topic: r.topic ?? null, reason: r.reason ?? null, receivedAt: r.received_at ?? 0 })),
  };
}

export async function deliveryById<P extends string>(db: D1Reader, platform: P, deliveryId: string): Promise<PlatformDelivery<P> | null> {
  const row = await db.prepare('SELECT * FROM platform_deliveries WHERE platform = ? AND delivery_id = ?').bind(platform, deliveryId).first<Row>();
  return row ? fromRow<P>(row) : null;
}

/**
 * Deletes at most `limit` rows received before `before` (unix ms); answers how many. The statement
 * delivery/retention.ts runs in bounded batches.
 */
export function prunePlatformDeliveries(db: D1Database, before: number, limit: number): Promise<number> {
  return deleteOlderThan(db, 'platform_deliveries', 'received_at', before, limit);
}
