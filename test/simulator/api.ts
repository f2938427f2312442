// The legacy JSON methods the worker's SALESmanago client calls (contract B), answering as SALESmanago
// does: HTTP 200 with {success, message[], ...}. Requests that fail validation change nothing.
import { authenticate, type SimulatorAccount } from './auth.ts';
import type { AccountStore, Contact, ContactInput, EventFields, StoredEvent } from './store.ts';
import { contactEventProblems, emailProblems, isObject, normalizeEmail, pickDetails, type JsonObject } from './validation.ts';

/** SALESmanago's own batch size is undocumented; 400 is what the official plugin sends (§2.3, §3.5). */
const MAX_BATCH = 400;

export interface ApiReply {
  body: JsonObject;
}

interface CallContext {
  store: AccountStore;
  owner: string;
  /** The account's named consents, when the account defines them (auth.ts SimulatorAccount). */
  consents?: readonly string[];
}

type Method = (body: JsonObject, ctx: CallContext) => ApiReply;

const ok = (extra: JsonObject = {}): ApiReply => ({ body: { success: true, message: [], ...extra } });
const fail = (messages: string[]): ApiReply => ({ body: { success: false, message: messages } });

function optionalStrings(value: unknown, field: string, problems: string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    problems.push(`${field} must be an array of strings`);
    return undefined;
  }
  return value as string[];
}

function optionalString(source: JsonObject, field: string, label: string, problems: string[]): string | undefined {
  const value = source[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') problems.push(`${label} must be a string`);
  return typeof value === 'string' ? value : undefined;
}

function optionalBoolean(source: JsonObject, field: string, problems: string[]): boolean | undefined {
  const value = source[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') problems.push(`${field} must be a boolean`);
  return value === true;
}

const DOI_KEYS = ['useApiDoubleOptIn', 'doubleOptInEmailId', 'doubleOptInLanguage'] as const;

/**
 * One upsert body (single, or one upsertDetails item) → a ContactInput or the problems found. Double
 * opt-in keys are read only where the official code puts them: the top level of a single upsert (SDK
 * 3.8 `Model/ContactModel.php:256-264`). Inside a batch item they are refused; a batch's own top-level
 * `useApiDoubleOptIn` decides for all its items (`batchDoubleOptIn`).
 */
function readUpsert(
  detail: unknown,
  owner: string,
  batchDoubleOptIn?: boolean,
  accountConsents?: readonly string[],
): { input?: ContactInput; problems: string[] } {
  if (!isObject(detail)) return { problems: ['upsert details must be an object'] };
  const contact = detail.contact;
  if (!isObject(contact)) return { problems: ['contact is required'] };
  const problems = emailProblems(contact.email, 'contact.email');
  const inBatch = batchDoubleOptIn !== undefined;
  if (inBatch) {
    for (const key of DOI_KEYS) {
      if (key in detail) problems.push(`${key} is not read inside upsertDetails (official code sends it at the top level of a batch)`);
    }
  }
  const address = isObject(contact.address) ? contact.address : undefined;
  if (contact.address !== undefined && contact.address !== null && !address) problems.push('contact.address must be an object');
  const input: ContactInput = {
    email: typeof contact.email === 'string' ? normalizeEmail(contact.email) : '',
    owner,
    name: optionalString(contact, 'name', 'contact.name', problems),
    phone: optionalString(contact, 'phone', 'contact.phone', problems),
    company: optionalString(contact, 'company', 'contact.company', problems),
    lang: optionalString(detail, 'lang', 'lang', problems),
    tags: optionalStrings(detail.tags, 'tags', problems),
    removeTags: optionalStrings(detail.removeTags, 'removeTags', problems),
    forceOptIn: optionalBoolean(detail, 'forceOptIn', problems),
    forceOptOut: optionalBoolean(detail, 'forceOptOut', problems),
    forcePhoneOptIn: optionalBoolean(detail, 'forcePhoneOptIn', problems),
    forcePhoneOptOut: optionalBoolean(detail, 'forcePhoneOptOut', problems),
    useApiDoubleOptIn: inBatch ? batchDoubleOptIn : optionalBoolean(detail, 'useApiDoubleOptIn', problems),
    externalId: optionalString(contact, 'externalId', 'contact.externalId', problems),
    birthday: optionalString(detail, 'birthday', 'birthday', problems),
    newEmail: optionalString(detail, 'newEmail', 'newEmail', problems),
  };
  if (address) {
    input.address = {};
    for (const key of ['streetAddress', 'zipCode', 'city', 'country'] as const) {
      const value = optionalString(address, key, `contact.address.${key}`, problems);
      if (value !== undefined) input.address[key] = value;
    }
  }
  if (input.birthday !== undefined && !/^\d{8}$/.test(input.birthday)) problems.push('birthday must be YYYYMMDD');
  if (input.newEmail !== undefined) {
    problems.push(...emailProblems(input.newEmail, 'newEmail'));
    input.newEmail = normalizeEmail(input.newEmail);
  }
  if (detail.properties !== undefined && detail.properties !== null) {
    const props = detail.properties;
    if (!isObject(props) || !Object.values(props).every((x) => typeof x === 'string')) problems.push('properties must be an object of strings');
    else input.properties = props as Record<string, string>;
  }
  if (detail.consentDetails !== undefined && detail.consentDetails !== null) {
    const list = detail.consentDetails;
    // SDK src/Entity/Consent.php:7-12: ip a string, consentDescriptionId an int.
    const valid =
      Array.isArray(list) &&
      list.every(
        (c) =>
          isObject(c) &&
          typeof c.consentName === 'string' &&
          c.consentName !== '' &&
          typeof c.consentAccept === 'boolean' &&
          (c.ip === undefined || typeof c.ip === 'string') &&
          (c.consentDescriptionId === undefined || c.consentDescriptionId === null || Number.isInteger(c.consentDescriptionId)),
      );
    if (!valid)
      problems.push('consentDetails must be an array of {consentName, consentAccept, agreementDate, ip?, optOut?, consentDescriptionId? (an integer)}');
    else {
      input.consentDetails = list as NonNullable<ContactInput['consentDetails']>;
      // ASSUMPTION (docs/privacy.md "Sent to SALESmanago"): a consent must exist in the account before an
      // upsert names it (SDK `ConsentDetail` doc comments); one that does not is refused as a whole,
      // like any other invalid field, with a message naming the consent.
      for (const c of input.consentDetails) {
        if (accountConsents && !accountConsents.includes(c.consentName)) problems.push(`Consent with name '${c.consentName.slice(0, 255)}' does not exist`);
      }
    }
  }
  if (input.forceOptIn && input.forceOptOut) problems.push('forceOptIn and forceOptOut cannot both be true');
  if (input.forcePhoneOptIn && input.forcePhoneOptOut) problems.push('forcePhoneOptIn and forcePhoneOptOut cannot both be true');
  if (input.useApiDoubleOptIn && !inBatch) {
    input.doubleOptIn = {
      emailId: optionalString(detail, 'doubleOptInEmailId', 'doubleOptInEmailId', problems),
      language: optionalString(detail, 'doubleOptInLanguage', 'doubleOptInLanguage', problems),
    };
  }
  return problems.length > 0 ? { problems } : { input, problems };
}

function eventFields(event: JsonObject): EventFields {
  const text = (key: string) => (typeof event[key] === 'string' ? (event[key] as string) : undefined);
  const value = event.value;
  return {
    contactExtEventType: text('contactExtEventType'),
    date: event.date === undefined || event.date === null ? undefined : Number(event.date),
    externalId: text('externalId'),
    products: text('products'),
    value: typeof value === 'number' || typeof value === 'string' ? value : undefined,
    description: text('description'),
    location: text('location'),
    shopDomain: text('shopDomain'),
    details: pickDetails(event),
  };
}

/** Who an event is for: contactId wins over email (as the official library does); an unknown contactId fails. */
function eventTarget(item: JsonObject, store: AccountStore): { contact?: Contact; email?: string; problems: string[] } {
  const contactId = item.contactId;
  if (contactId !== undefined && contactId !== null && contactId !== '') {
    const contact = typeof contactId === 'string' ? store.contactById(contactId) : undefined;
    return contact ? { contact, problems: [] } : { problems: [`Contact not found: ${String(contactId).slice(0, 64)}`] };
  }
  if (item.email === undefined || item.email === null || item.email === '') return { problems: ['email or contactId is required'] };
  const problems = emailProblems(item.email);
  return problems.length > 0 ? { problems } : { email: normalizeEmail(item.email as string), problems };
}

/** Validates and stores one event item ({email|contactId, contactEvent, forceOptIn?}). */
function storeEvent(item: JsonObject, ctx: CallContext): { event?: StoredEvent; problems: string[] } {
  const target = eventTarget(item, ctx.store);
  const problems = [...target.problems, ...contactEventProblems(item.contactEvent, 'add')];
  if (problems.length > 0) return { problems };
  const contact = target.contact ?? ctx.store.ensureContact(target.email as string, ctx.owner);
  if (item.forceOptIn === true) ctx.store.setOptIn(contact, 'opt-in');
  const fields = eventFields(item.contactEvent as JsonObject);
  const event = ctx.store.addEvent(contact, {
    ...fields,
    contactExtEventType: fields.contactExtEventType as string,
    date: fields.date as number,
  });
  return { event, problems };
}

const upsert: Method = (body, ctx) => {
  const { input, problems } = readUpsert(body, ctx.owner, undefined, ctx.consents);
  if (!input) return fail(problems);
  return ok({ contactId: ctx.store.upsertContact(input).contactId });
};

/** All or nothing: one invalid item rejects the whole request, naming the item. */
const batchUpsert: Method = (body, ctx) => {
  const details = body.upsertDetails;
  if (!Array.isArray(details) || details.length === 0) return fail(['upsertDetails must be a non-empty array']);
  if (details.length > MAX_BATCH) return fail([`Too many upsertDetails: ${details.length} (max ${MAX_BATCH})`]);
  const inputs: ContactInput[] = [];
  const problems: string[] = [];
  const top = body.useApiDoubleOptIn;
  if (top !== undefined && typeof top !== 'boolean') problems.push('useApiDoubleOptIn must be a boolean');
  // ASSUMPTION (docs/salesmanago-api.md §2.2: a third-party client types it as defaulting to true): a batch
  // without a top-level `useApiDoubleOptIn: false` sends DOI mails to the contacts it opts in.
  const batchDoubleOptIn = top !== false;
  details.forEach((detail, index) => {
    const read = readUpsert(detail, ctx.owner, batchDoubleOptIn, ctx.consents);
    if (read.input) inputs.push(read.input);
    else problems.push(...read.problems.map((p) => `upsertDetails[${index}]: ${p}`));
  });
  if (problems.length > 0) return fail(problems);
  const contactIds: Record<string, string> = {};
  for (const input of inputs) {
    const stored = ctx.store.upsertContact(input);
    contactIds[input.email] = stored.contactId;
  }
  return ok({ contactIds });
};

const addEvent: Method = (body, ctx) => {
  const { event, problems } = storeEvent(body, ctx);
  return event ? ok({ eventId: event.eventId }) : fail(problems);
};

const updateEvent: Method = (body, ctx) => {
  const contactEvent = body.contactEvent;
  if (!isObject(contactEvent)) return fail(['contactEvent is required']);
  const eventId = contactEvent.eventId;
  if (typeof eventId !== 'string' || eventId === '') return fail(['contactEvent.eventId is required']);
  const problems = contactEventProblems(contactEvent, 'update');
  if (problems.length > 0) return fail(problems);
  const stored = ctx.store.event(eventId);
  if (!stored) return fail([`Event not found: ${eventId.slice(0, 64)}`]);
  ctx.store.updateEvent(stored, eventFields(contactEvent));
  return ok({ eventId: stored.eventId });
};

/** Partial: invalid items are skipped and listed (by e-mail or contactId) in failedContacts. */
const batchAddEvents: Method = (body, ctx) => {
  const events = body.events;
  if (!Array.isArray(events) || events.length === 0) return fail(['events must be a non-empty array']);
  if (events.length > MAX_BATCH) return fail([`Too many events: ${events.length} (max ${MAX_BATCH})`]);
  const failedContacts: string[] = [];
  const message: string[] = [];
  let createdAmount = 0;
  events.forEach((item: unknown, index) => {
    const result = isObject(item) ? storeEvent(item, ctx) : { event: undefined, problems: ['event item must be an object'] };
    if (result.event) {
      createdAmount += 1;
      return;
    }
    const who = isObject(item) ? (item.contactId ?? item.email) : undefined;
    failedContacts.push(typeof who === 'string' && who !== '' ? who : `#${index}`);
    message.push(...result.problems.map((p) => `events[${index}]: ${p}`));
  });
  return { body: { success: true, message, createdAmount, failedAmount: failedContacts.length, failedContacts } };
};

const hasContact: Method = (body, ctx) => {
  const problems = emailProblems(body.email);
  if (problems.length > 0) return fail(problems);
  return ok({ result: ctx.store.contact(normalizeEmail(body.email as string)) !== undefined });
};

/** Deletes the contact of an e-mail (body {owner, email}, as pixers/salesmanago-api's ContactService::delete sends). */
const deleteContact: Method = (body, ctx) => {
  const problems = emailProblems(body.email);
  if (problems.length > 0) return fail(problems);
  return ctx.store.deleteContact(normalizeEmail(body.email as string)) ? ok({}) : fail(['Contact not found']);
};

/** Paths → methods. The /api/contact/... v1 spellings of the event methods are aliases. */
export const API_METHODS: Readonly<Record<string, Method>> = {
  '/api/contact/upsert': upsert,
  '/api/contact/batchupsert': batchUpsert,
  '/api/v2/contact/addContactExtEvent': addEvent,
  '/api/contact/addContactExtEvent': addEvent,
  '/api/v2/contact/updateContactExtEvent': updateEvent,
  '/api/contact/updateContactExtEvent': updateEvent,
  '/api/v2/contact/addBatchContactExtEvent': batchAddEvents,
  '/api/contact/batchAddContactExtEvent': batchAddEvents,
  '/api/contact/addBatchContactExtEvent': batchAddEvents,
  '/api/contact/hasContact': hasContact,
  '/api/contact/delete': deleteContact,
};

/** How many items a request carries (1, or the length of a batch), for the calls log. */
export function itemCount(body: unknown): number {
  if (!isObject(body)) return 0;
  if (Array.isArray(body.upsertDetails)) return body.upsertDetails.length;
  if (Array.isArray(body.events)) return body.events.length;
  return 1;
}

/** Authenticates, then runs the method. `method` must come from API_METHODS. */
export function callApi(method: Method, body: JsonObject, store: AccountStore, accounts: readonly SimulatorAccount[]): ApiReply {
  const auth = authenticate(body, accounts);
  if (!auth.ok) return fail(auth.messages);
  return method(body, { store, owner: auth.owner, ...(auth.account.consents ? { consents: auth.account.consents } : {}) });
}
