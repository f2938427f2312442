// Table platform_customers (migrations/0110_platform_customers.sql): a platform's customer id and the
// e-mail its deliveries gave it. SQL only; platforms/customers.ts decides when, delivery/retention.ts how long.
import { deleteOlderThan } from './parts.ts';

export interface PlatformCustomer {
  id: string;
  /** Lower-case. */
  email: string;
}

/** Records each customer's e-mail (a customer may have several: the account's, an order's billing one). */
export async function rememberCustomers(db: D1Database, platform: string, customers: readonly PlatformCustomer[], now: number): Promise<void> {
  if (customers.length === 0) return;
  await db
    .prepare(
      `INSERT INTO platform_customers (platform, customer_id, email, seen_at)
       SELECT ?1, json_extract(value, '$.id'), json_extract(value, '$.email'), ?3 FROM json_each(?2) WHERE true
       ON CONFLICT (platform, customer_id, email) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)`,
    )
    .bind(platform, JSON.stringify(customers), now)
    .run();
}

/** Every e-mail delivered for this customer id (none when no delivery named it). */
export async function emailsOfCustomer(db: D1Database, platform: string, customerId: string): Promise<string[]> {
  const { results } = await db
    .prepare('SELECT email FROM platform_customers WHERE platform = ?1 AND customer_id = ?2 ORDER BY seen_at')
    .bind(platform, customerId)
    .all<{ email: string }>();
  return results.map((r) => r.email);
}

/** Retention: at most `limit` rows no delivery has named since `before`. */
export function prunePlatformCustomers(db: D1Database, before: number, limit: number): Promise<number> {
  return deleteOlderThan(db, 'platform_customers', 'seen_at', before, limit);
}
