// Retention of the ledger (docs/operations.md "Retention"): what the hourly job deletes, table by table. The
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
//   platform_customers       a platform customer id's e-mails (for WooCommerce's customer.deleted):
//                            deleted ORDER_ID_DAYS after the last delivery naming them, as long as
//                            the order ids that customer's orders may still repeat
//   consent_proofs           kept while the consent stands; a withdrawn consent's statements are
//                            deleted RETENTION_CONSENT_PROOF_DAYS after the withdrawal
//   seen_signatures, open_carts: pruned hourly by scheduled.ts (their own expiry).
// The statements are the tables' own modules in worker/ledger/; this module decides the cutoffs.
import type { RetentionDays } from '../config.ts';
import { overEvery, type LedgerBindings } from '../ledger/databases.ts';
import {
  deleteDeliveredBefore,
  deleteExpiredBefore,
  deleteNeverDeliveredBefore,
  deleteOrderIdsBefore,
  expireHeldBefore,
  stripExpired,
  stripOrdersBefore,
} from '../ledger/deliveries/retention.ts';
import { pruneDoubleOptIns } from '../ledger/double-opt-ins.ts';
import { pruneIngestCounters } from '../ledger/ingest-counters.ts';
import { pruneOrderConflicts } from '../ledger/order-conflicts.ts';
import { prunePlatformDeliveries } from '../ledger/platform-deliveries.ts';
import { prunePlatformCustomers } from '../ledger/platform-customers.ts';
import { pruneKnownContacts, pruneVisitorLinks } from '../ledger/visitors.ts';
import { pruneProofs } from '../consent/proof.ts';
import { heldTooLongReason } from './state.ts';

export const DAY_MS = 24 * 3600 * 1000;
const BATCH_ROWS = 1_000;
const MAX_BATCHES = 20;
/** Order ids of delivered order events answer "duplicate" for this long (covers a year of reposts). */
export const ORDER_ID_DAYS = 400;
const FAILED_DAYS = 90;
/** Platforms retry a webhook for up to 48 hours, and a queued retry can wait days: ids that recognise a repeat are kept at least this long. */
const REPEAT_DAYS = 7;

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
  /** consent_proofs rows of consents withdrawn longer ago than RETENTION_CONSENT_PROOF_DAYS. */
  consentProofs: number;
  /** platform_customers rows no delivery named for ORDER_ID_DAYS. */
  platformCustomers: number;
}

/** Runs `step` (which changes at most `rows` rows) until it changes fewer, at most `batches` times. */
async function inBatches(step: () => Promise<number>, rows: number, batches: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < batches; i += 1) {
    const changed = await step();
    total += changed;
    if (changed < rows) break;
  }
  return total;
}

type Bounds = { rows?: number; batches?: number };

/** Runs a rule's step in batches of `bounds` (BATCH_ROWS a statement, MAX_BATCHES a run by default). */
function batcher(bounds: Bounds) {
  const rows = bounds.rows ?? BATCH_ROWS;
  const batches = bounds.batches ?? MAX_BATCHES;
  return (step: (limit: number) => Promise<number>) => inBatches(() => step(rows), rows, batches);
}

/** What the per-contact tables' rules prune (every ledger database holds them: ledger/databases.ts). */
type ContactPruned = Pick<Pruned, 'deliveries' | 'strippedOrders' | 'expiredHeld' | 'strippedExpired' | 'visitorLinks' | 'knownContacts'>;
/** What the rules of the tables that live in LEDGER alone prune. */
type SharedPruned = Omit<Pruned, keyof ContactPruned>;

/** The per-contact tables of one ledger database: deliveries, visitor_links, known_contacts. */
async function pruneContactRows(db: D1Database, now: number, days: RetentionDays, bounds: Bounds): Promise<ContactPruned> {
  const before = (d: number) => now - d * DAY_MS;
  const bounded = batcher(bounds);
  let deliveries = 0;
  // Delivered (and consent-webhook) rows that are not order events: gone.
  deliveries += await bounded((n) => deleteDeliveredBefore(db, before(days.delivered), n));
  // Never delivered: nothing to deduplicate against, so a repost after this can still be delivered.
  deliveries += await bounded((n) => deleteNeverDeliveredBefore(db, before(FAILED_DAYS), n));
  // Held anonymous events: expired after RETENTION_HELD_DAYS (the consumer does so at 30), and an
  // expired row keeps no payload, visitor or contact: only its id, status and reason, for the
  // figures, until it goes as a delivered row would.
  const expiredHeld = await bounded((n) => expireHeldBefore(db, before(days.held), heldTooLongReason(days.held), now, n));
  const strippedExpired = await bounded((n) => stripExpired(db, n));
  deliveries += await bounded((n) => deleteExpiredBefore(db, before(days.delivered), n));
  // Order events: the personal part goes, the id stays for deduplication, then it goes too.
  const strippedOrders = await bounded((n) => stripOrdersBefore(db, before(days.delivered), n));
  deliveries += await bounded((n) => deleteOrderIdsBefore(db, before(ORDER_ID_DAYS), n));

  const visitorLinks = await bounded((n) => pruneVisitorLinks(db, before(days.links), n));
  const knownContacts = await bounded((n) => pruneKnownContacts(db, before(days.links), n));
  return { deliveries, strippedOrders, expiredHeld, strippedExpired, visitorLinks, knownContacts };
}

/** The tables that live in LEDGER alone: counters, repeat records, consent proofs, platform customers. */
async function pruneShared(db: D1Database, now: number, days: RetentionDays, bounds: Bounds): Promise<SharedPruned> {
  const before = (d: number) => now - d * DAY_MS;
  const bounded = batcher(bounds);
  const counters = await bounded((n) => pruneIngestCounters(db, new Date(before(days.counters)).toISOString().slice(0, 10), n));
  const repeatCutoff = before(Math.max(days.delivered, REPEAT_DAYS));
  const repeatRecords =
    (await bounded((n) => prunePlatformDeliveries(db, repeatCutoff, n))) +
    (await bounded((n) => pruneDoubleOptIns(db, repeatCutoff, n))) +
    (await bounded((n) => pruneOrderConflicts(db, repeatCutoff, n)));
  // Proof is kept while the consent stands, and RETENTION_CONSENT_PROOF_DAYS after its withdrawal.
  const consentProofs = await bounded((n) => pruneProofs(db, now, days.consentProof, n));
  const platformCustomers = await bounded((n) => prunePlatformCustomers(db, before(ORDER_ID_DAYS), n));
  return { counters, repeatRecords, consentProofs, platformCustomers };
}

/** Every rule on one database (a deployment with one ledger database: LEDGER). */
export async function pruneLedger(db: D1Database, now: number, days: RetentionDays, bounds: Bounds = {}): Promise<Pruned> {
  const contacts = await pruneContactRows(db, now, days, bounds);
  return { ...contacts, ...(await pruneShared(db, now, days, bounds)) };
}

/**
 * The hourly job's entry point (called from scheduled.ts), with the configured retention: the
 * per-contact tables on every ledger database (side by side, each its own writer), the LEDGER-only
 * tables once; the counts summed.
 */
export async function pruneRetained(env: LedgerBindings, now: number, retention: RetentionDays, ledgers = 1): Promise<Pruned> {
  if (ledgers <= 1) return pruneLedger(env.LEDGER, now, retention);
  const each = await overEvery(env, ledgers, (db) => pruneContactRows(db, now, retention, {}));
  const sum = (key: keyof ContactPruned) => each.reduce((total, pruned) => total + pruned[key], 0);
  const contacts: ContactPruned = {
    deliveries: sum('deliveries'),
    strippedOrders: sum('strippedOrders'),
    expiredHeld: sum('expiredHeld'),
    strippedExpired: sum('strippedExpired'),
    visitorLinks: sum('visitorLinks'),
    knownContacts: sum('knownContacts'),
  };
  return { ...contacts, ...(await pruneShared(env.LEDGER, now, retention, {})) };
}
