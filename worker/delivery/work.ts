// What one delivery run works on: an item of the batch, the outcome it reaches, and what the run
// needs from outside (D1, the SALESmanago client, the queue for requeues). Shared by the stages
// (delivery/deliver.ts lists them) and the consumer.
import type { Config } from '../config.ts';
import type { SalesmanagoClient } from '../salesmanago/client.ts';
import type { ContactRef } from '../salesmanago/types.ts';
import type { AcceptedContact, AcceptedEvent, ItemMessage, QueueMessage } from '../queue/messages.ts';
import { REFUSED_PREFIX } from '../ledger/deliveries.ts';

export type DeliveryClient = Pick<SalesmanagoClient, 'batchUpsertContacts' | 'addEvent' | 'updateEvent' | 'batchAddEvents'>;

/**
 * Each event has its own budget of attempts (counted in the ledger, not per queue message): once an
 * event has been tried this often it is recorded 'dead' with its last error. 30 attempts at the
 * backoff's 1-hour cap outlast about a day of SALESmanago outage (docs/delivery.md "Delivery guarantees").
 */
export const MAX_ATTEMPTS = 30;
/** An event add that timed out is unconfirmed; its events are sent again in chunks this small. */
export const UNCONFIRMED_CHUNK = 20;
export const UNCONFIRMED_PREFIX = 'unconfirmed: ';
/** Reason prefix of an item SALESmanago refused for its content: replay leaves it (replay.ts). */
export { REFUSED_PREFIX };

export type Outcome =
  | { status: 'delivered'; contact: string; smEventId?: string }
  | { status: 'held' }
  | { status: 'failed'; reason: string }
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
  db: D1Database;
  client: DeliveryClient;
  /**
   * For the calls that are not idempotent (event adds): waits longer than `client` before it gives
   * up, because giving up is what makes a re-send, and a re-send of a stored add is a duplicate.
   * Defaults to `client`.
   */
  patientClient?: DeliveryClient;
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
