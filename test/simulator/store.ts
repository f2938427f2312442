// The simulated account's data: contacts keyed by e-mail, external events keyed by eventId.
import { randomUUID } from 'node:crypto';
import { mergeTags, nextOptIn, type ConsentFlags, type OptInStatus } from './optin.ts';

export interface Contact {
  contactId: string;
  email: string;
  owner: string;
  name?: string;
  phone?: string;
  company?: string;
  lang?: string;
  tags: string[];
  optIn: OptInStatus;
  optInChangedAt?: number;
  /** Mobile marketing status (forcePhoneOptIn / forcePhoneOptOut). */
  phoneOptIn: 'opt-in' | 'opt-out' | 'unknown';
  /** Double opt-in mails SALESmanago would have sent this contact (one per request that asked). */
  doubleOptInMails: number;
  externalId?: string;
  address?: { streetAddress?: string; zipCode?: string; city?: string; country?: string };
  birthday?: string;
  properties?: Record<string, string>;
  consentDetails?: { consentName: string; consentAccept: boolean; agreementDate?: unknown; ip?: string; optOut?: unknown; consentDescriptionId?: number }[];
  /** Addresses this contact had before a newEmail change. */
  previousEmails?: string[];
  /** The last API double opt-in request (emailId / language), when one started a 'pending' status. */
  doubleOptIn?: { emailId?: string; language?: string };
  createdAt: number;
  updatedAt: number;
}

export interface ContactInput extends ConsentFlags {
  email: string;
  owner: string;
  name?: string;
  phone?: string;
  company?: string;
  lang?: string;
  tags?: string[];
  removeTags?: string[];
  doubleOptIn?: { emailId?: string; language?: string };
  forcePhoneOptIn?: boolean;
  forcePhoneOptOut?: boolean;
  externalId?: string;
  address?: { streetAddress?: string; zipCode?: string; city?: string; country?: string };
  birthday?: string;
  properties?: Record<string, string>;
  newEmail?: string;
  consentDetails?: { consentName: string; consentAccept: boolean; agreementDate?: unknown; ip?: string; optOut?: unknown; consentDescriptionId?: number }[];
}

export interface EventFields {
  contactExtEventType?: string;
  date?: number;
  externalId?: string;
  products?: string;
  value?: number | string;
  description?: string;
  location?: string;
  shopDomain?: string;
  details?: Record<string, string>;
}

export interface StoredEvent {
  eventId: string;
  contactId: string;
  email: string;
  owner: string;
  contactExtEventType: string;
  date: number;
  externalId?: string;
  products?: string;
  value?: number | string;
  description?: string;
  location?: string;
  shopDomain?: string;
  details: Record<string, string>;
  /** How many updateContactExtEvent calls changed this event. */
  updates: number;
  createdAt: number;
  updatedAt: number;
}

export class AccountStore {
  private readonly contactsByEmail = new Map<string, Contact>();
  private readonly contactsById = new Map<string, Contact>();
  private readonly events = new Map<string, StoredEvent>();
  /** Contacts deleted through /api/contact/delete, in order (the erasure tests count them). */
  readonly deletions: { email: string; contactId: string; at: number }[] = [];

  reset(): void {
    this.contactsByEmail.clear();
    this.contactsById.clear();
    this.events.clear();
    this.deletions.length = 0;
  }

  /** Deletes a contact and its events; false when there is none for the e-mail. */
  deleteContact(email: string): boolean {
    const contact = this.contactsByEmail.get(email);
    if (!contact) return false;
    this.contactsByEmail.delete(email);
    this.contactsById.delete(contact.contactId);
    for (const [id, event] of this.events) if (event.contactId === contact.contactId) this.events.delete(id);
    this.deletions.push({ email, contactId: contact.contactId, at: Date.now() });
    return true;
  }

  contact(email: string): Contact | undefined {
    return this.contactsByEmail.get(email);
  }

  contactById(contactId: string): Contact | undefined {
    return this.contactsById.get(contactId);
  }

  /** Creates or updates a contact; `email` must already be normalized. */
  upsertContact(input: ContactInput): Contact {
    const now = Date.now();
    const contact = this.contactsByEmail.get(input.email) ?? this.create(input.email, input.owner, now);
    for (const field of ['name', 'phone', 'company', 'lang', 'externalId', 'birthday'] as const) {
      const value = input[field];
      if (value !== undefined) contact[field] = value;
    }
    if (input.address) contact.address = { ...contact.address, ...input.address };
    if (input.properties) contact.properties = { ...contact.properties, ...input.properties };
    if (input.consentDetails) {
      const byName = new Map((contact.consentDetails ?? []).map((c) => [c.consentName, c]));
      for (const c of input.consentDetails) byName.set(c.consentName, c);
      contact.consentDetails = [...byName.values()];
    }
    contact.tags = mergeTags(contact.tags, input.tags, input.removeTags);
    const optIn = nextOptIn(contact.optIn, input);
    if (optIn === 'pending' && contact.optIn !== 'pending') contact.doubleOptIn = input.doubleOptIn ?? {};
    // Every request that asks for double opt-in of a contact not opted in yet sends a mail.
    if (input.forceOptIn === true && input.useApiDoubleOptIn === true && contact.optIn !== 'opt-in') contact.doubleOptInMails += 1;
    this.setStatus(contact, optIn, now);
    if (input.forcePhoneOptOut === true) contact.phoneOptIn = 'opt-out';
    else if (input.forcePhoneOptIn === true) contact.phoneOptIn = 'opt-in';
    // An e-mail change keeps the contact (and its id); refused silently when the new address is taken.
    if (input.newEmail && input.newEmail !== contact.email && !this.contactsByEmail.has(input.newEmail)) {
      this.contactsByEmail.delete(contact.email);
      contact.previousEmails = [...(contact.previousEmails ?? []), contact.email];
      contact.email = input.newEmail;
      this.contactsByEmail.set(contact.email, contact);
    }
    contact.updatedAt = now;
    return contact;
  }

  /** The contact for an e-mail, created (status 'unknown') if missing, as an event for a new e-mail does. */
  ensureContact(email: string, owner: string): Contact {
    return this.contactsByEmail.get(email) ?? this.create(email, owner, Date.now());
  }

  setOptIn(contact: Contact, status: OptInStatus): Contact {
    this.setStatus(contact, status, Date.now());
    return contact;
  }

  addEvent(contact: Contact, fields: EventFields & { contactExtEventType: string; date: number }): StoredEvent {
    const now = Date.now();
    const event: StoredEvent = {
      eventId: randomUUID(),
      contactId: contact.contactId,
      email: contact.email,
      owner: contact.owner,
      details: {},
      updates: 0,
      createdAt: now,
      updatedAt: now,
      ...fields,
    };
    event.details = { ...(fields.details ?? {}) };
    this.events.set(event.eventId, event);
    return event;
  }

  event(eventId: string): StoredEvent | undefined {
    return this.events.get(eventId);
  }

  /** Overwrites the fields given; details are merged by name. */
  updateEvent(event: StoredEvent, fields: EventFields): StoredEvent {
    const { details, ...rest } = fields;
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined) Object.assign(event, { [key]: value });
    }
    if (details) event.details = { ...event.details, ...details };
    event.updates += 1;
    event.updatedAt = Date.now();
    return event;
  }

  allContacts(): Contact[] {
    return [...this.contactsByEmail.values()];
  }

  allEvents(): StoredEvent[] {
    return [...this.events.values()];
  }

  private create(email: string, owner: string, now: number): Contact {
    const contact: Contact = {
      contactId: randomUUID(),
      email,
      owner,
      tags: [],
      optIn: 'unknown',
      phoneOptIn: 'unknown',
      doubleOptInMails: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.contactsByEmail.set(email, contact);
    this.contactsById.set(contact.contactId, contact);
    return contact;
  }

  private setStatus(contact: Contact, status: OptInStatus, now: number): void {
    if (contact.optIn === status) return;
    contact.optIn = status;
    contact.optInChangedAt = now;
    if (status !== 'pending') delete contact.doubleOptIn;
  }
}
