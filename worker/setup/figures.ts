// Delivery figures for the setup page, from the ledger (table deliveries, migration 0001).
import { latestConflicts, type ConflictSeen } from '../ledger/order-conflicts.ts';

export const FIGURE_STATUSES = ['delivered', 'queued', 'held', 'failed', 'dead', 'expired'] as const;
export type FigureStatus = (typeof FIGURE_STATUSES)[number];

export interface DeliveryFigures {
  /** Rows accepted in the window, whatever their status now. */
  accepted: number;
  byStatus: Record<FigureStatus, number>;
  lastErrors: { id: string; type: string; status: string; error: string; at: number }[];
  /** Orders re-posted with other content (409 conflict), newest first. */
  conflicts: ConflictSeen[];
  /** Shop-API and platform requests refused in the window (listed on /setup/events). */
  refused: number;
}

const DAY_MS = 24 * 3600 * 1000;

export async function deliveryFigures(db: D1Database, now: number, windowMs = DAY_MS): Promise<DeliveryFigures> {
  const [counts, errors, refused] = await db.batch<Record<string, unknown>>([
    db
      // Shop webhook pushes share the ledger; they are not deliveries to SALESmanago.
      .prepare(
        "SELECT status, COUNT(*) AS n FROM deliveries WHERE accepted_at >= ? AND type <> 'consent-webhook' GROUP BY status",
      )
      .bind(now - windowMs),
    db.prepare(
      `SELECT id, type, status, last_error, updated_at FROM deliveries
       WHERE status IN ('failed', 'dead') AND last_error IS NOT NULL
       ORDER BY updated_at DESC LIMIT 5`,
    ),
    db.prepare('SELECT COUNT(*) AS n FROM refused_requests WHERE at >= ?').bind(now - windowMs),
  ]);
  const byStatus = Object.fromEntries(FIGURE_STATUSES.map((s) => [s, 0])) as Record<FigureStatus, number>;
  let accepted = 0;
  for (const row of counts?.results ?? []) {
    const n = Number(row.n);
    accepted += n;
    if ((FIGURE_STATUSES as readonly string[]).includes(String(row.status))) byStatus[row.status as FigureStatus] = n;
  }
  const lastErrors = (errors?.results ?? []).map((row) => ({
    id: String(row.id),
    type: String(row.type),
    status: String(row.status),
    error: String(row.last_error),
    at: Number(row.updated_at),
  }));
  const refusedCount = Number(refused?.results?.[0]?.n ?? 0);
  return { accepted, byStatus, lastErrors, conflicts: await latestConflicts(db), refused: refusedCount };
}
