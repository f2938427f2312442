// A platform's customer id → e-mail, for WooCommerce's customer.deleted: its payload carries only the
// id (WooCommerce builds a deleted resource's payload as `['id' => $resource_id]`, core
// `includes/class-wc-webhook.php` `build_payload`). The e-mail is the one WooCommerce's own customer
// and order deliveries last gave that id (table platform_customers), written when such a delivery is
// accepted (an account's e-mail and each order's billing e-mail: all are erased). An erased person is never written again (their marks are checked first), and the erasure
// sweeps the row like any other naming the person.
import { erasedAmong } from '../consent/suppression.ts';
import { emailsOfCustomer, rememberCustomers, type PlatformCustomer } from '../ledger/platform-customers.ts';

export type { PlatformCustomer } from '../ledger/platform-customers.ts';

export async function rememberPlatformCustomers(
  db: D1Database,
  secret: string | null,
  platform: string,
  customers: readonly PlatformCustomer[],
  now: number,
): Promise<void> {
  const normal = customers.map((c) => ({ id: c.id, email: c.email.trim().toLowerCase() })).filter((c) => c.id !== '' && c.email !== '');
  if (normal.length === 0) return;
  const erased = secret
    ? await erasedAmong(
        db,
        secret,
        normal.map((c) => ({ kind: 'email' as const, value: c.email })),
        { fresh: true },
      )
    : new Set<number>();
  await rememberCustomers(
    db,
    platform,
    normal.filter((_, i) => !erased.has(i)),
    now,
  );
}

/** The e-mails of a platform customer; none when no delivery of ours named that id. */
export function customerEmails(db: D1Database, platform: string, customerId: string): Promise<string[]> {
  return emailsOfCustomer(db, platform, customerId);
}
