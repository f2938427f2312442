// The SALESmanago client's public shapes. The delivery pipeline depends only on these.
import type { SalesmanagoError } from './errors.ts';

/** Documented contactExtEventType values (docs/salesmanago-api.md §3.4). */
export const EVENT_TYPES = [
  'PURCHASE',
  'CART',
  'VISIT',
  'PHONE_CALL',
  'OTHER',
  'RESERVATION',
  'CANCELLED',
  'ACTIVATION',
  'MEETING',
  'OFFER',
  'DOWNLOAD',
  'LOGIN',
  'TRANSACTION',
  'CANCELLATION',
  'RETURN',
  'SURVEY',
  'APP_STATUS',
  'APP_TYPE_WEB',
  'APP_TYPE_MANUAL',
  'APP_TYPE_RETENTION',
  'APP_TYPE_UPSALE',
  'LOAN_STATUS',
  'LOAN_ORDER',
  'FIRST_LOAN',
  'REPEATED_LOAN',
] as const;
export type ContactExtEventType = (typeof EVENT_TYPES)[number];

export interface SalesmanagoConfig {
  /** Base URL, no trailing slash, e.g. https://app3.salesmanago.com */
  endpoint: string;
  clientId: string;
  apiSecret: string;
  owner: string;
  /** Per-request timeout (AbortSignal); 30 s by default, as the official SDK (docs/salesmanago.md "The SALESmanago side"). */
  timeoutMs: number;
}

/** Newsletter (e-mail pair) intent. "no-change" sends the pair false/false: it never opts anyone out. */
type ConsentIntent = 'subscribe' | 'unsubscribe' | 'no-change';

/** A postal address (SDK `Entity/Contact/Address.php`: streetAddress, zipCode, city, country). */
interface ContactAddress {
  street?: string;
  zipCode?: string;
  city?: string;
  country?: string;
}

/** A named (GDPR) consent, sent as one `consentDetails` entry (SDK `Entity/Consent.php`). */
export interface NamedConsent {
  /** The consent's name in the SALESmanago account (consentName). */
  name: string;
  accepted: boolean;
  /** Unix ms of the agreement. */
  at: number;
  /** The IP address the statement came from (proof), when known. */
  ip?: string;
  /** SALESmanago's consent description id (the text version's), when the merchant gave it on /setup. */
  descriptionId?: number;
}

export interface ContactUpsert {
  email: string;
  name?: string;
  phone?: string;
  company?: string;
  /** Two-letter language, sent upper-case. */
  lang?: string;
  tags?: string[];
  /** The e-mail pair (forceOptIn/forceOptOut). */
  consent: ConsentIntent;
  /** The phone pair (forcePhoneOptIn/forcePhoneOptOut); absent: false/false, no change. */
  phoneConsent?: 'subscribe' | 'unsubscribe';
  /** Used only when consent is "subscribe" (API double opt-in): the upsert then goes alone. */
  doubleOptIn?: { emailId?: string; language?: string };
  /** The shop's customer id (contact.externalId). */
  externalId?: string;
  address?: ContactAddress;
  /** YYYY-MM-DD; sent as SALESmanago's YYYYMMDD. */
  birthday?: string;
  /** Custom details (contact properties), string values. */
  properties?: Record<string, string>;
  removeTags?: string[];
  /**
   * An e-mail change: `email` is then the OLD address and this the new one (SALESmanago's `newEmail`),
   * so the contact keeps its history instead of a second contact being created.
   */
  newEmail?: string;
  consents?: NamedConsent[];
}

/** Who an event belongs to: an e-mail, or a SALESmanago contactId (the smclient cookie). */
export type ContactRef = { email: string } | { contactId: string };

export interface ContactEvent {
  contactExtEventType: ContactExtEventType;
  /** Unix ms. */
  date: number;
  description?: string;
  /** Comma-joined product ids. */
  products?: string;
  location?: string;
  value?: number;
  externalId?: string;
  shopDomain?: string;
  /** detail1..detail20, in order; undefined entries are skipped. */
  details?: (string | undefined)[];
}

export interface EventItem {
  contact: ContactRef;
  event: ContactEvent;
}

/** A field shortened to fit SALESmanago's limits before sending. */
export interface Truncation {
  field: string;
  from: number;
  to: number;
  /**
   * "shortened": from/to are lengths in UTF-16 code units (a surrogate pair is never split);
   * "dropped": the field was not sent (from = its length or count, to = 0 or the count kept);
   * "converted": a seconds date sent as ms (from/to are the values). Absent means "shortened".
   */
  kind?: 'shortened' | 'dropped' | 'converted';
  /** In batch results: the index of the item in the array given to the batch method. */
  item?: number;
}

/**
 * One chunk (<= 400 items) of a batch call: items [start, end) of the caller's array.
 * Batch methods never throw; each chunk either went through or carries its error.
 */
export type ChunkResult<T> = { start: number; end: number; truncations: Truncation[] } & ({ ok: true; value: T } | { ok: false; error: SalesmanagoError });
