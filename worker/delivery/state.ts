// A delivery row's state (table deliveries, stored by ledger/deliveries/): its status, and for some
// statuses the kind of its reason (column reason_kind, migrations/0160_delivery_reason_kind.sql), which
// the code selects by; last_error keeps the reason in words. ARCHITECTURE.md "A delivery row's states"
// draws the transitions and names the module that makes each. The ledger stores and selects what it is
// given; the names and values below are the delivery domain's.

/**
 * The kind of a row's reason (null: none, or an ordinary retry's). Writers outside delivery/, which may
 * not import it, name kinds with the ledger's StoredReasonKind (ledger/reason-kinds.ts), equal to this
 * type (worker/ledger/reason-kind.test.ts): 'queue-unavailable' (ingest/enqueue.ts), 'refused' for an
 * erased person's rows (consent/suppression.ts), 'unconfigured' (settings/release.ts).
 */
export type ReasonKind =
  /** failed: SALESmanago refused the row's own content; replay leaves it. */
  | 'refused'
  /** failed: the request side could not send it to the queue; replay sends it. */
  | 'queue-unavailable'
  /** dead: its budget of attempts, or its message's retries, is spent. */
  | 'exhausted'
  /** queued: waiting in the accumulator to go out with more events (accumulator.ts). */
  | 'parked'
  /** queued: waiting for SALESmanago to be configured; a settings save releases it (settings/release.ts). */
  | 'unconfigured'
  /** expired: held for an anonymous visitor who was not identified in time, or one too many. */
  | 'held';

/** Failed rows SALESmanago refused for their own content carry this reason prefix (run.ts). */
export const REFUSED_PREFIX = 'refused: ';

/** The reason of a parked row (accumulator.ts). */
export const PARKED = 'parked: waiting to be sent together with more events';

/** The reason of rows whose budget is spent (outcomes.ts, dead-letters.ts), followed by the last error. */
const EXHAUSTED = 'retries exhausted';

/** The reason of rows waiting for the SALESmanago configuration (consumer.ts), followed by what is missing. */
export const UNCONFIGURED = 'SALESmanago is not configured';

/** Held events kept per anonymous visitor: older ones expire (outcomes.ts). */
export const HELD_PER_VISITOR = 200;
/** How long a held event waits for its visitor to be identified (scheduled.ts). */
export const HELD_FOR_MS = 30 * 24 * 3600 * 1000;

const HELD_OVERFLOW = `held: more than ${HELD_PER_VISITOR} events of this anonymous visitor, oldest dropped`;
/** The reason of a held event that waited `days` for its visitor. */
const heldTooLong = (days: number) => `held: the visitor was not identified within ${days} days`;

/** A reason as the ledger stores it: the words (last_error) and their kind (reason_kind). */
export interface Reason {
  text: string;
  kind: ReasonKind;
}

export const PARKED_REASON: Reason = { text: PARKED, kind: 'parked' };
export const EXHAUSTED_REASON: Reason = { text: EXHAUSTED, kind: 'exhausted' };
export const HELD_OVERFLOW_REASON: Reason = { text: HELD_OVERFLOW, kind: 'held' };
export const heldTooLongReason = (days: number): Reason => ({ text: heldTooLong(days), kind: 'held' });
