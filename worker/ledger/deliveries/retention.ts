// Table deliveries: retention (delivery/retention.ts decides the cutoffs). Each statement changes at
// most `limit` rows and answers how many it changed, so the caller can run it again until a backlog is
// worked off.
import type { Reason } from './rows.ts';

const ORDER_TYPES = "('purchase', 'return', 'cancellation')";

async function changeAtMost(db: D1Database, sql: (limit: number) => string, limit: number, ...bind: unknown[]): Promise<number> {
  return (
    (
      await db
        .prepare(sql(limit))
        .bind(...bind)
        .run()
    ).meta.changes ?? 0
  );
}

const deleteWhere = (db: D1Database, where: string, limit: number, ...bind: unknown[]) =>
  changeAtMost(db, (n) => `DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries WHERE ${where} LIMIT ${n})`, limit, ...bind);

/** Delivered (and consent-webhook) rows that are not order events, last updated before `before`. */
export const deleteDeliveredBefore = (db: D1Database, before: number, limit: number) =>
  deleteWhere(db, `status = 'delivered' AND updated_at < ?1 AND type NOT IN ${ORDER_TYPES}`, limit, before);

/** Failed and dead rows last updated before `before`. */
export const deleteNeverDeliveredBefore = (db: D1Database, before: number, limit: number) =>
  deleteWhere(db, `status IN ('failed', 'dead') AND updated_at < ?1`, limit, before);

/** Expired rows last updated before `before`. */
export const deleteExpiredBefore = (db: D1Database, before: number, limit: number) => deleteWhere(db, `status = 'expired' AND updated_at < ?1`, limit, before);

/** Order rows already stripped of their data, accepted before `before`. */
export const deleteOrderIdsBefore = (db: D1Database, before: number, limit: number) =>
  deleteWhere(db, `type IN ${ORDER_TYPES} AND payload IS NULL AND accepted_at < ?1`, limit, before);

/** Held rows accepted before `before` expire with `reason`. */
export const expireHeldBefore = (db: D1Database, before: number, reason: Reason, now: number, limit: number) =>
  changeAtMost(
    db,
    (n) => `UPDATE deliveries SET status = 'expired', updated_at = ?1, last_error = ?2, reason_kind = ?4
            WHERE rowid IN (SELECT rowid FROM deliveries WHERE status = 'held' AND accepted_at < ?3 LIMIT ${n})`,
    limit,
    now,
    reason.text,
    before,
    reason.kind,
  );

/** An expired row keeps no payload, visitor or contact. */
export const stripExpired = (db: D1Database, limit: number) =>
  changeAtMost(
    db,
    (n) => `UPDATE deliveries SET payload = NULL, contact = NULL, visitor_id = NULL
            WHERE rowid IN (SELECT rowid FROM deliveries WHERE status = 'expired' AND payload IS NOT NULL LIMIT ${n})`,
    limit,
  );

/** Delivered order rows last updated before `before` keep only their id, type, status and dates. */
export const stripOrdersBefore = (db: D1Database, before: number, limit: number) =>
  changeAtMost(
    db,
    (n) => `UPDATE deliveries SET payload = NULL, contact = NULL, visitor_id = NULL, last_error = NULL, reason_kind = NULL
            WHERE rowid IN (SELECT rowid FROM deliveries WHERE type IN ${ORDER_TYPES} AND payload IS NOT NULL
                            AND status = 'delivered' AND updated_at < ?1 LIMIT ${n})`,
    limit,
    before,
  );
