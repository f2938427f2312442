// Delivery figures for the setup page, from the ledger (table deliveries, migration 0001; the reads
// are ledger/reports.ts), with the latest order conflicts and the count of refused requests.
import { latestConflicts, type ConflictSeen } from '../ledger/order-conflicts.ts';
import { countRefusedSince } from '../ledger/refused-requests.ts';
import { deliveryTallies, type DeliveryError } from '../ledger/reports.ts';
import type { D1Reader } from '../ledger/sessions.ts';

const FIGURE_STATUSES = ['delivered', 'queued', 'held', 'failed', 'dead', 'expired'] as const;
type FigureStatus = (typeof FIGURE_STATUSES)[number];

export interface DeliveryFigures {
  /** Rows accepted in the window, whatever their status now. */
  accepted: number;
  byStatus: Record<FigureStatus, number>;
  lastErrors: DeliveryError[];
  /** Orders re-posted with other content (409 conflict), newest first. */
  conflicts: ConflictSeen[];
  /** Shop-API and platform requests refused in the window (listed on /setup/events). */
  refused: number;
}

const DAY_MS = 24 * 3600 * 1000;

export async function deliveryFigures(db: D1Reader, now: number, windowMs = DAY_MS): Promise<DeliveryFigures> {
  const [tallies, refused, conflicts] = await Promise.all([deliveryTallies(db, now - windowMs), countRefusedSince(db, now - windowMs), latestConflicts(db)]);
  const byStatus = Object.fromEntries(FIGURE_STATUSES.map((s) => [s, 0])) as Record<FigureStatus, number>;
  let accepted = 0;
  for (const { status, n } of tallies.byStatus) {
    accepted += n;
    if ((FIGURE_STATUSES as readonly string[]).includes(status)) byStatus[status as FigureStatus] = n;
  }
  return { accepted, byStatus, lastErrors: tallies.lastErrors, conflicts, refused };
}
