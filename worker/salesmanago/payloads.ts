// Our contact and event shapes turned into the legacy API's request bodies (without the auth
// fields, which the client adds per request). Pure functions: no I/O.
import { SalesmanagoError } from './errors.ts';
import { fitProducts, fitText, LIMITS, LOCATION_RULE, SECONDS_BELOW } from './limits.ts';
import { EVENT_TYPES } from './types.ts';
import type { ContactEvent, ContactRef, ContactUpsert, Truncation } from './types.ts';

export interface UpsertDetail {
  owner: string;
  contact: {
    email: string;
    name?: string;
    phone?: string;
    company?: string;
    externalId?: string;
    address?: { streetAddress?: string; zipCode?: string; city?: string; country?: string };
  };
  forceOptIn: boolean;
  forceOptOut: boolean;
  forcePhoneOptIn: boolean;
  forcePhoneOptOut: boolean;
  tags?: string[];
  removeTags?: string[];
  lang?: string;
  birthday?: string;
  properties?: Record<string, string>;
  newEmail?: string;
  consentDetails?: ConsentDetail[];
}

/**
 * One named consent as the SDK serialises it: `src/Entity/Consent.php:7-12` (consentName, consentAccept,
 * agreementDate, ip, optOut, consentDescriptionId), listed under `consentDetails`
 * (`src/Model/Collections/ConsentsCollection.php:11`, `src/Model/ContactModel.php:207`).
 */
interface ConsentDetail {
  consentName: string;
  consentAccept: boolean;
  agreementDate: number;
  ip?: string;
  optOut: boolean;
  consentDescriptionId?: number;
}

/** The API double opt-in fields: only ever at the top level of a single /api/contact/upsert. */
export interface DoubleOptInFields {
  useApiDoubleOptIn: true;
  doubleOptInEmailId?: string;
  doubleOptInLanguage?: string;
}

/** The wire `contactEvent`: our ContactEvent with detail1..detail20 flattened, plus eventId on update. */
export type ContactEventBody = Omit<ContactEvent, 'details'> & { eventId?: string } & {
  [detail: `detail${number}`]: string;
};

/** The wire contact reference is our ContactRef as it is. */
export type ContactRefFields = ContactRef;

export interface Fitted<T> {
  body: T;
  truncations: Truncation[];
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Upper-case, spaces as "_", no empties, no repeats (what SALESmanago's own library intends). */
export function normaliseTags(tags: string[]): string[] {
  const out = tags.map((t) => t.trim().toUpperCase().replace(/\s+/g, '_')).filter((t) => t.length > 0);
  return [...new Set(out)];
}

// Accepts "pl", "PL", "pl-PL", "pl_PL"; anything else is not a language code we can send.
function normaliseLang(lang: string): string | null {
  const m = /^([a-z]{2})(?:[-_][a-z0-9]+)*$/i.exec(lang.trim());
  return m?.[1] ? m[1].toUpperCase() : null;
}

function present(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/**
 * The upsert detail for one contact (a single upsert's body, or one batch `upsertDetails` item), never
 * with double opt-in fields: doubleOptInFields() adds those to a single upsert. The e-mail pair follows
 * `consent` and the phone pair `phoneConsent`, each on its own, as the SDK's separate newsletter and
 * mobile options do (SDK 3.8 `Model/ContactModel.php:232-250`). Both pairs are always sent: false/false
 * leaves an existing contact's status as it is.
 */
export function upsertDetail(c: ContactUpsert, owner: string): Fitted<UpsertDetail> {
  const truncations: Truncation[] = [];
  const contact: UpsertDetail['contact'] = { email: normaliseEmail(c.email) };
  const name = present(c.name);
  const phone = present(c.phone);
  const company = present(c.company);
  const externalId = present(c.externalId);
  if (name) contact.name = name;
  if (phone) contact.phone = phone;
  if (company) contact.company = company;
  if (externalId) contact.externalId = externalId;
  if (c.address) {
    // SDK `Entity/Contact/Address.php`: streetAddress, zipCode, city, country.
    const address: NonNullable<UpsertDetail['contact']['address']> = {};
    const street = present(c.address.street),
      zipCode = present(c.address.zipCode);
    const city = present(c.address.city),
      country = present(c.address.country);
    if (street) address.streetAddress = street;
    if (zipCode) address.zipCode = zipCode;
    if (city) address.city = city;
    if (country) address.country = country;
    if (Object.keys(address).length > 0) contact.address = address;
  }

  const body: UpsertDetail = {
    owner,
    contact,
    forceOptIn: c.consent === 'subscribe',
    forceOptOut: c.consent === 'unsubscribe',
    forcePhoneOptIn: c.phoneConsent === 'subscribe',
    forcePhoneOptOut: c.phoneConsent === 'unsubscribe',
  };

  const tags = normaliseTags(c.tags ?? []);
  if (tags.length > 0) body.tags = tags;
  const removeTags = normaliseTags(c.removeTags ?? []).filter((t) => !tags.includes(t));
  if (removeTags.length > 0) body.removeTags = removeTags;

  if (c.lang !== undefined && c.lang.trim() !== '') {
    const lang = normaliseLang(c.lang);
    if (lang) body.lang = lang;
    else truncations.push({ field: 'lang', from: c.lang.length, to: 0, kind: 'dropped' });
  }
  // SDK `Entity/Contact/Contact.php` setBirthday: sent as Ymd.
  const birthday = /^(\d{4})-(\d{2})-(\d{2})$/.exec(c.birthday?.trim() ?? '');
  if (birthday) body.birthday = `${birthday[1]}${birthday[2]}${birthday[3]}`;
  else if (c.birthday) truncations.push({ field: 'birthday', from: c.birthday.length, to: 0, kind: 'dropped' });
  if (c.properties && Object.keys(c.properties).length > 0) body.properties = { ...c.properties };
  const newEmail = present(c.newEmail);
  if (newEmail && normaliseEmail(newEmail) !== contact.email) body.newEmail = normaliseEmail(newEmail);
  if (c.consents && c.consents.length > 0) {
    // SDK `src/Entity/Consent.php:7-12`; ip and consentDescriptionId only when known (the SDK's
    // defaults, '' and null, say nothing).
    body.consentDetails = c.consents.map((x) => ({
      consentName: x.name,
      consentAccept: x.accepted,
      agreementDate: x.at,
      ...(x.ip ? { ip: x.ip } : {}),
      optOut: !x.accepted,
      ...(x.descriptionId !== undefined ? { consentDescriptionId: x.descriptionId } : {}),
    }));
  }
  return { body, truncations };
}

/** Whether this upsert asks SALESmanago to send a double opt-in mail. */
export function wantsDoubleOptIn(c: ContactUpsert): boolean {
  return c.consent === 'subscribe' && c.doubleOptIn !== undefined;
}

/**
 * The top-level double opt-in fields of a single upsert that subscribes under API double opt-in (SDK
 * 3.8 `Model/ContactModel.php:256-264`); null otherwise, and the body then carries none of them.
 */
export function doubleOptInFields(c: ContactUpsert): DoubleOptInFields | null {
  if (!wantsDoubleOptIn(c)) return null;
  const out: DoubleOptInFields = { useApiDoubleOptIn: true };
  const emailId = present(c.doubleOptIn?.emailId);
  const language = present(c.doubleOptIn?.language);
  if (emailId) out.doubleOptInEmailId = emailId;
  if (language) out.doubleOptInLanguage = language;
  return out;
}

export function contactRefFields(ref: ContactRef): ContactRefFields {
  return 'email' in ref ? { email: normaliseEmail(ref.email) } : { contactId: ref.contactId.trim() };
}

// An amount with two decimals (float noise such as 0.30000000000000004 removed). SALESmanago takes
// up to 19 integer digits and 22 characters, so larger magnitudes are not a value we can send.
function moneyValue(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const rounded = Math.round(value * 100) / 100;
  return Math.abs(rounded) < 1e19 && String(rounded).length <= LIMITS.valueText ? rounded : null;
}

const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * The contactEvent object with every limit applied. An unknown type or a date that is not a
 * positive number is a bug in the caller, not data to shorten: it throws a permanent error.
 */
export function contactEventBody(event: ContactEvent, eventId?: string): Fitted<ContactEventBody> {
  const truncations: Truncation[] = [];
  const record = (t: Truncation) => truncations.push(t);

  if (!TYPES.has(event.contactExtEventType)) {
    throw new SalesmanagoError('permanent', [`contactExtEventType "${String(event.contactExtEventType)}" is not one of SALESmanago's event types`]);
  }
  if (typeof event.date !== 'number' || !Number.isFinite(event.date) || event.date <= 0) {
    throw new SalesmanagoError('permanent', [`date ${String(event.date)} is not a Unix time in ms`]);
  }
  let date = Math.round(event.date);
  if (date < SECONDS_BELOW) {
    const ms = date * 1000;
    record({ field: 'date', from: date, to: ms, kind: 'converted' });
    date = ms;
  }

  const body: ContactEventBody = { contactExtEventType: event.contactExtEventType, date };
  if (eventId !== undefined) body.eventId = eventId;
  if (event.description) body.description = fitText('description', event.description, LIMITS.description, record);
  if (event.products) body.products = fitProducts(event.products, record);
  if (event.location) {
    if (LOCATION_RULE.test(event.location)) body.location = event.location;
    else record({ field: 'location', from: event.location.length, to: 0, kind: 'dropped' });
  }
  if (event.value !== undefined) {
    const value = moneyValue(event.value);
    if (value === null) record({ field: 'value', from: String(event.value).length, to: 0, kind: 'dropped' });
    else {
      body.value = value;
      if (Math.abs(value - event.value) > 1e-9 * Math.max(1, Math.abs(value))) {
        record({ field: 'value', from: event.value, to: value, kind: 'converted' });
      }
    }
  }
  if (event.externalId) body.externalId = fitText('externalId', event.externalId, LIMITS.externalId, record);
  if (event.shopDomain) body.shopDomain = fitText('shopDomain', event.shopDomain, LIMITS.shopDomain, record);

  // detailN keeps its position: details[0] is detail1 whatever is missing around it.
  const details = event.details ?? [];
  details.slice(0, LIMITS.details).forEach((d, i) => {
    if (d) body[`detail${i + 1}`] = fitText(`detail${i + 1}`, d, LIMITS.detail, record);
  });
  const extra = details.slice(LIMITS.details).filter((d) => d !== undefined).length;
  if (extra > 0) {
    const kept = details.slice(0, LIMITS.details).filter((d) => d !== undefined).length;
    record({ field: 'details', from: kept + extra, to: kept, kind: 'dropped' });
  }
  return { body, truncations };
}
