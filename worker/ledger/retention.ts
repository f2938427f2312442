// Retention of the ledger (README "Retention"): what the hourly job deletes, table by table. The
// ledger holds e-mails, visitor ids and event payloads, which a merchant must not keep longer than
// needed (GDPR art. 5(1)(e)). Every delete runs in bounded batches (BATCH_ROWS per statement, at
// most MAX_BATCHES per rule and run), so one run stays short whatever the backlog; a backlog is
// worked off over the following hours.
//
//   deliveries, delivered    browser events and shop contacts deleted after RETENTION_DELIVERED_DAYS;
//                            order events keep only their id, type, status and dates (no e-mail, no
//                            payload) until ORDER_ID_DAYS, so that a repost is still "duplicate"
//   deliveries, held/expired anonymous events expire RETENTION_HELD_DAYS after they were accepted; an
//                            expired row keeps no payload, visitor or contact, and is deleted
//                            RETENTION_DELIVERED_DAYS after it expired
//   deliveries, failed/dead  kept FAILED_DAYS for POST /admin/replay, then deleted (never delivered,
//                            so a repost may deliver it)
//   visitor_links,           deleted RETENTION_LINKS_DAYS after their last update (a returning
//   known_contacts           visitor is identified again by login or smclient; a forgotten contact
//                            costs one extra upsert)
//   ingest_counters          deleted RETENTION_COUNTERS_DAYS after their day (no personal data)
//   platform_deliveries,     deleted RETENTION_DELIVERED_DAYS after they were received / claimed /
//   double_opt_ins,          last reposted, but never before REPEAT_DAYS: a platform's retried
//   order_conflicts          webhook, a retried subscribe or a colliding repost must still be
//                            recognised while it can still come
//   seen_signatures, open_carts: pruned hourly by delivery/scheduled.ts (ledger/seen-signatures.ts,
//                            ledger/carts.ts).
import type { RetentionDays } from '../config.ts';

export const DAY_MS = 24 * 3600 * 1000;
export const BATCH_ROWS = 1_000;
export const MAX_BATCHES = 20;
/** Order ids of delivered order events answer "duplicate" for this long (covers a year of reposts). */
export const ORDER_ID_DAYS = 400;
export const FAILED_DAYS = 90;
/** Platforms retry a webhook for up to 48 hours, and a queued retry can wait days: ids that recognise a repeat are kept at least this long. */
export const REPEAT_DAYS = 7;

export interface Pruned {
  /** Rows deleted. */
  deliveries: number;
  strippedOrders: number;
  /** Held rows expired here (RETENTION_HELD_DAYS below 30), and expired rows stripped of their data. */
  expiredHeld: number;
  strippedExpired: number;
  visitorLinks: number;
  knownContacts: number;
  counters: number;
  /** platform_deliveries, double_opt_ins and order_conflicts rows deleted. */
  repeatRecords: number;
}

/** Runs `statement` (which deletes or updates at most BATCH_ROWS rows) until it changes fewer, at most MAX_BATCHES times. */
async function inBatches(statement: D1PreparedStatement, rows: number, batches: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < batches; i += 1) {
    const changed = (await statement.run()).meta.changes ?? 0;
    total += changed;
    if (changed < rows) break;
  }
  return total;
}

const ORDER_TYPES = "('purchase', 'return', 'cancellation')";

export async function pruneLedger(
  db: D1Database,
  now: number,
  days: RetentionDays,
  bounds: { rows?: number; batches?: number } = {},
): Promise<Pruned> {
  const rows = bounds.rows ?? BATCH_ROWS;
  const batches = bounds.batches ?? MAX_BATCHES;
  const before = (d: number) => now - d * DAY_MS;
  const deleteWhere = (where: string, ...bind: unknown[]) =>
    inBatches(
      db
        .prepare(`DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries WHERE ${where} LIMIT ${rows})`)
        .bind(...bind),
      rows,
      batches,
    );
  let deliveries = 0;
  // Delivered (and consent-webhook) rows that are not order events: gone.
  deliveries += await deleteWhere(
    `status = 'delivered' AND updated_at < ?1 AND type NOT IN ${ORDER_TYPES}`,
    before(days.delivered),
  );
  // Never delivered: nothing to deduplicate against, so a repost after this can still be delivered.
  deliveries += await deleteWhere(`status IN ('failed', 'dead') AND updated_at < ?1`, before(FAILED_DAYS));
  // Held anonymous events: expired after RETENTION_HELD_DAYS (delivery/ledger.ts does so at 30), and an
  // expired row keeps no payload, visitor or contact: only its id, status and reason, for the
  // figures, until it goes as a delivered row would.
  const expiredHeld = await inBatches(
    db
      .prepare(
        `UPDATE deliveries SET status = 'expired', updated_at = ?1, last_error = ?2
         WHERE rowid IN (SELECT rowid FROM deliveries WHERE status = 'held' AND accepted_at < ?3 LIMIT ${rows})`,
      )
      .bind(now, `held: the visitor was not identified within ${days.held} days`, before(days.held)),
    rows,
    batches,
  );
  const strippedExpired = await inBatches(
    db
      .prepare(
        `UPDATE deliveries SET payload = NULL, contact = NULL, visitor_id = NULL
         WHERE rowid IN (SELECT rowid FROM deliveries WHERE status = 'expired' AND payload IS NOT NULL LIMIT ${rows})`,
      )
      .bind(),
    rows,
    batches,
  );
  deliveries += await deleteWhere(`status = 'expired' AND updated_at < ?1`, before(days.delivered));
  // Order events: the personal part goes, the id stays for deduplication, then it goes too.
  const strippedOrders = await inBatches(
    db
      .prepare(
        `UPDATE deliveries SET payload = NULL, contact = NULL, visitor_id = NULL, last_error = NULL
         WHERE rowid IN (SELECT rowid FROM deliveries WHERE type IN ${ORDER_TYPES} AND payload IS NOT NULL
                         AND status = 'delivered' AND updated_at < ?1 LIMIT ${rows})`,
      )
      .bind(before(days.delivered)),
    rows,
    batches,
  );
  deliveries += await deleteWhere(`type IN ${ORDER_TYPES} AND payload IS NULL AND accepted_at < ?1`, before(ORDER_ID_DAYS));

  const byAge = (table: string, column: string, cutoff: number | string) =>
    inBatches(
      db
        .prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${column} < ?1 LIMIT ${rows})`)
        .bind(cutoff),
      rows,
      batches,
    );
  const visitorLinks = await byAge('visitor_links', 'updated_at', before(days.links));
  const knownContacts = await byAge('known_contacts', 'updated_at', before(days.links));
  const counters = await byAge('ingest_counters', 'day', new Date(before(days.counters)).toISOString().slice(0, 10));
  const repeatCutoff = before(Math.max(days.delivered, REPEAT_DAYS));
  const repeatRecords =
    (await byAge('platform_deliveries', 'received_at', repeatCutoff)) +
    (await byAge('double_opt_ins', 'requested_at', repeatCutoff)) +
    (await byAge('order_conflicts', 'last_at', repeatCutoff));
  return { deliveries, strippedOrders, expiredHeld, strippedExpired, visitorLinks, knownContacts, counters, repeatRecords };
}
