// Test-only: a deployment with two ledger databases (ledger/databases.ts): LEDGER and LEDGER_1
// (vitest.config.ts binds it, worker/test/apply-migrations.ts gives it the schema), and keys known to
// land in one or the other.
import { env } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { ledgerIndexOfKey } from '../ledger/databases.ts';
import { emailKey, visitorKey } from '../queue/shards.ts';

/** The test env with LEDGER_DATABASES = 2 and DELIVERY_SHARDS = 2 (a multiple of it). */
export function twoLedgers(base: Env = env as Env): Env {
  return { ...base, LEDGER_DATABASES: '2', DELIVERY_SHARDS: '2' };
}

/** The database index (0: LEDGER, 1: LEDGER_1) of an e-mail's rows with two databases. */
function ledgerOfEmail(address: string): number {
  return ledgerIndexOfKey(emailKey(address), 2);
}

/** The database index of a visitor's rows with two databases. */
export function ledgerOfVisitor(visitorId: string): number {
  return ledgerIndexOfKey(visitorKey(visitorId), 2);
}

/** A fresh e-mail whose rows go to database `index` (of two). */
export function emailIn(index: number, prefix = 'l'): string {
  for (;;) {
    const address = `${prefix}-${crypto.randomUUID().slice(0, 8)}@example.com`;
    if (ledgerOfEmail(address) === index) return address;
  }
}

/** A fresh visitor id whose rows go to database `index` (of two). */
export function visitorIn(index: number): string {
  for (;;) {
    const id = crypto.randomUUID();
    if (ledgerOfVisitor(id) === index) return id;
  }
}
