// The kinds of a delivery row's reason, as column deliveries.reason_kind stores them
// (migrations/0160_delivery_reason_kind.sql says what each means). Every writer names a kind with this
// type, whatever its folder may import, so a misspelt kind fails tsc instead of selecting nothing;
// delivery/state.ts is the domain's reading of them (its ReasonKind, equal to this type: reason-kind.test.ts).

export type StoredReasonKind = 'refused' | 'queue-unavailable' | 'exhausted' | 'parked' | 'unconfigured' | 'held';

/** A reason as stored: last_error (words) and reason_kind, always written together. */
export interface StoredReason {
  text: string;
  kind: StoredReasonKind;
}
