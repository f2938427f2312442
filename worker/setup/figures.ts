// Delivery figures for the setup page, from the ledger (table deliveries, migration 0001; the reads
// are ledger/reports.ts), with the latest order conflicts and the count of refused requests. The
// deliveries are in every ledger database (ledger/databases.ts): their counts are summed and their
// last errors merged; the conflicts and refused requests are LEDGER's alone.
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

/** The most recent errors shown (ledger/reports.ts deliveryTallies' own bound). */
const LAST_ERRORS = 5;

/** The figures of every ledger database in `ledgers` (LEDGER's first). */
export async function deliveryFigures(ledgers: readonly D1Reader[], now: number, windowMs = DAY_MS): Promise<DeliveryFigures> {
  const db = ledgers[0]!;
  const [tallies, refused, conflicts] = await Promise.all([
    Promise.all(ledgers.map((l) => deliveryTallies(l, now - windowMs))),
    countRefusedSince(db, now - windowMs),
    latestConflicts(db),
  ]);
  const byStatus = Object.fromEntries(FIGURE_STATUSES.map((s) => [s, 0])) as Record<FigureStatus, number>;
  let accepted = 0;
  for (const { status, n } of tallies.flatMap((t) => t.byStatus)) {
    accepted += n;
    if ((FIGURE_STATUSES as readonly string[]).includes(status)) byStatus[status as FigureStatus] += n;
  }
  // Newest first; one database's are already in its own order.
  const lastErrors =
    tallies.length === 1
      ? tallies[0]!.lastErrors
      : tallies
          .flatMap((t) => t.lastErrors)
          .sort((a, b) => b.at - a.at)
          .slice(0, LAST_ERRORS);
  return { accepted, byStatus, lastErrors, conflicts, refused };
}
