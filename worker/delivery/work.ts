// What one delivery run works on: an item of the batch, the outcome it reaches, and what the run
// needs from outside (D1, the SALESmanago client, the queue for requeues). Shared by the stages
// (delivery/deliver.ts lists them) and the consumer.
import type { Config } from '../config.ts';
import type { SalesmanagoClient } from '../salesmanago/client.ts';
import type { ContactRef } from '../salesmanago/types.ts';
import type { AcceptedContact, AcceptedEvent, ItemMessage, QueueMessage } from '../queue/messages.ts';
import { REFUSED_PREFIX } from './state.ts';

export type DeliveryClient = Pick<SalesmanagoClient, 'batchUpsertContacts' | 'addEvent' | 'updateEvent' | 'batchAddEvents'>;

/**
 * Each event has its own budget of attempts (counted in the ledger, not per queue message): once an
 * event has been tried this often it is recorded 'dead' with its last error. 30 attempts at the
 * backoff's 1-hour cap outlast about a day of SALESmanago outage (docs/delivery.md "Delivery guarantees").
 */
export const MAX_ATTEMPTS = 30;
/** An event add that timed out is unconfirmed; its events are sent again in chunks this small. */
export const UNCONFIRMED_CHUNK = 20;
/**
 * Reason prefixes of a row whose event add got no answer (SALESmanago may hold it): `unconfirmed: `
 * after one unanswered add, `unconfirmed: re-sent: ` once the one re-send it gets went unanswered as
 * well (docs/delivery.md "The bound"). An add is written as one of them just before it is sent, so a
 * worker that dies waiting leaves its rows marked (`IN_FLIGHT`), not looking untried.
 */
export const UNCONFIRMED_PREFIX = 'unconfirmed: ';
export const RESENT_PREFIX = `${UNCONFIRMED_PREFIX}re-sent: `;
export const IN_FLIGHT = 'in flight: sent, no answer recorded (the worker stopped waiting or died)';

/** 0: no add of it went unanswered; 1: one did (one re-send allowed); 2: that re-send did too. */
export type Unanswered = 0 | 1 | 2;

export function unansweredOf(reason: string | null | undefined): Unanswered {
  if (reason?.startsWith(RESENT_PREFIX)) return 2;
  return reason?.startsWith(UNCONFIRMED_PREFIX) ? 1 : 0;
}

/** The reason with the prefix of `level` (any earlier prefix replaced). */
export function withUnanswered(reason: string, level: Unanswered): string {
  const bare = reason.startsWith(RESENT_PREFIX)
    ? reason.slice(RESENT_PREFIX.length)
    : reason.startsWith(UNCONFIRMED_PREFIX)
      ? reason.slice(UNCONFIRMED_PREFIX.length)
      : reason;
  return level === 2 ? RESENT_PREFIX + bare : level === 1 ? UNCONFIRMED_PREFIX + bare : bare;
}

export function unansweredLevel(item: Pick<WorkItem, 'unconfirmed' | 'resentUnanswered'>): Unanswered {
  return item.resentUnanswered ? 2 : item.unconfirmed ? 1 : 0;
}
/** Reason prefix of an item SALESmanago refused for its content: replay leaves it (replay.ts). */
export { REFUSED_PREFIX };

export type Outcome =
  | { status: 'delivered'; contact: string; smEventId?: string }
  | { status: 'held' }
  /** refused: SALESmanago refused the item's own content (REFUSED_PREFIX), replay leaves it. */
  | { status: 'failed'; reason: string; refused?: boolean }
  | { status: 'retry'; reason: string; delaySeconds: number }
  /** Its own budget of attempts is spent (MAX_ATTEMPTS). */
  | { status: 'dead'; reason: string }
  /** Already delivered (or expired) earlier: nothing to do. */
  | { status: 'skipped' };

export interface WorkItem {
  id: string;
  event?: AcceptedEvent;
  contact?: AcceptedContact;
  /** This attempt's number (1 = first), from the ledger: drives the backoff and the budget. */
  attempt: number;
  /** An earlier event add of this item timed out: SALESmanago may or may not hold it. */
  unconfirmed?: boolean;
  /** Its one re-send after that went unanswered too: a further send waits UNANSWERED_TWICE_WAIT_S (run.ts). */
  resentUnanswered?: boolean;
  /** Its contact upsert was confirmed on an earlier attempt: not repeated. */
  contactDone?: boolean;
  ref?: ContactRef;
  outcome?: Outcome;
  /** A held event released by this batch: it has no queue message of its own. */
  released?: { payload: ItemMessage };
}

/** An event whose contact is known and that has no outcome yet: what the sending stages take. */
export type ReadyEvent = WorkItem & { event: AcceptedEvent; ref: ContactRef };

export interface DeliveryDeps {
  /** The ledger database of the run's contacts (ledger/databases.ts: the shard's). */
  db: D1Database;
  /** LEDGER, for what is no contact's (double opt-ins, refused consent names); defaults to `db`. */
  home?: D1Database;
  /** Every ledger database, for what must reach a contact's rows wherever they are (a purchase's open carts); defaults to `[db]`. */
  ledgers?: D1Database[];
  client: DeliveryClient;
  /**
   * For the calls that are not idempotent (event adds): waits longer than `client` before it gives
   * up, because giving up is what makes a re-send, and a re-send of a stored add is a duplicate.
   * Defaults to `client`.
   */
  patientClient?: DeliveryClient;
  /**
   * For the one re-send of events whose add went unanswered: waits longer still (consumer.ts
   * resendTimeoutMs), so that a SALESmanago that stores at once and answers late answers it. Defaults
   * to `patientClient`.
   */
  resendClient?: DeliveryClient;
  /** The resend client's timeout: a run starts no re-send it could not wait out (run.ts RUN_BUDGET_MS). */
  resendTimeoutMs?: number;
  config: Pick<Config, 'tags' | 'doubleOptIn' | 'location' | 'shopDomains'> & { retryBaseS?: number } & Partial<
      Pick<Config, 'cartRecovery' | 'shopApiSecret' | 'workerUrl' | 'publicPathPrefix'>
    >;
  /** Puts released held events whose delivery must be retried back on the queue. */
  requeue: (messages: { body: QueueMessage; delaySeconds: number }[]) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Waits between quick retries (tests pass a faster one). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The consent store (KV): an explicit e-mail consent is sent only when no later change is stored
   * (a delayed retry of an older choice never overrides a newer one). Without it, no check.
   */
  consents?: KVNamespace;
}

export function refName(ref: ContactRef): string {
  return 'email' in ref ? ref.email : ref.contactId;
}
