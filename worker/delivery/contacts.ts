// The contact upsert that goes with an event or a shop contact: tags by trigger and the consent
// semantics of design.md (explicit subscribe / explicit unsubscribe / everything else "no-change",
// which never opts anyone out). Pure functions, no I/O.
import type { Config } from '../config.ts';
import type { ContactUpsert } from '../salesmanago/types.ts';
import { browserSignupUpsert } from '../consent/browser-signup.ts';
import type { AcceptedContact, AcceptedEvent } from './messages.ts';

export interface ContactNeed {
  upsert: ContactUpsert;
  /** False: only upsert when SALESmanago has not confirmed this e-mail before (no new data to send). */
  always: boolean;
  /** Unix ms, so that several needs of one contact in a batch merge in time order. */
  at: number;
}

type ContactSettings = Pick<Config, 'tags' | 'doubleOptIn'>;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function subscribeUpsert(base: ContactUpsert, config: ContactSettings): ContactUpsert {
  const out: ContactUpsert = { ...base, consent: 'subscribe' };
  if (config.doubleOptIn.enabled) {
    const doi: NonNullable<ContactUpsert['doubleOptIn']> = {};
    if (config.doubleOptIn.emailId) doi.emailId = config.doubleOptIn.emailId;
    if (config.doubleOptIn.language) doi.language = config.doubleOptIn.language;
    out.doubleOptIn = doi;
  }
  return out;
}

function details(from: { name?: string; phone?: string; company?: string; lang?: string }): Partial<ContactUpsert> {
  const out: Partial<ContactUpsert> = {};
  if (from.name) out.name = from.name;
  if (from.phone) out.phone = from.phone;
  if (from.company) out.company = from.company;
  if (from.lang) out.lang = from.lang;
  return out;
}

/** What an event that carries its own e-mail needs from the contact; null when it carries none. */
export function contactNeedOfEvent(event: AcceptedEvent, config: ContactSettings): ContactNeed | null {
  if (!event.email) return null;
  const base: ContactUpsert = { email: normaliseEmail(event.email), ...details(event), consent: 'no-change' };
  const at = event.occurredAt;
  switch (event.type) {
    case 'purchase': {
      const tags = event.order?.loggedIn ? config.tags.purchaseLoggedIn : config.tags.purchaseGuest;
      return { upsert: withTags(base, tags), always: true, at };
    }
    case 'newsletter':
      // A browser form's e-mail is unverified: consent/browser-signup.ts decides what it may do.
      if (event.source === 'browser') return { ...browserSignupUpsert(base, config, event.knownOptOut === true), at };
      // A newsletter form is an explicit subscribe.
      return { upsert: withTags(subscribeUpsert(base, config), config.tags.newsletter), always: true, at };
    case 'survey':
    case 'offer':
      // Forms carry name/phone/company worth updating; they say nothing about the newsletter.
      return { upsert: base, always: hasDetails(base), at };
    default:
      // Login, return, cancellation, visit, cart: only make sure the contact exists.
      return { upsert: base, always: false, at };
  }
}

/** A contact posted by the shop server: always upserted. */
export function contactNeedOfShopContact(contact: AcceptedContact, config: ContactSettings): ContactNeed {
  let upsert: ContactUpsert = { email: normaliseEmail(contact.email), ...details(contact), consent: 'no-change' };
  if (contact.newsletter === 'subscribe') upsert = subscribeUpsert(upsert, config);
  else if (contact.newsletter === 'unsubscribe') upsert = { ...upsert, consent: 'unsubscribe' };
  const tags = [
    ...(contact.trigger === 'registration' ? config.tags.registration : []),
    // A newsletter trigger or an explicit subscribe both mean "signed up for the newsletter".
    ...(contact.trigger === 'newsletter' || contact.newsletter === 'subscribe' ? config.tags.newsletter : []),
  ];
  return { upsert: withTags(upsert, tags), always: true, at: contact.receivedAt };
}

/** A contact that must exist before its events are sent, with nothing new to say about it. */
export function plainContactNeed(email: string, at: number): ContactNeed {
  return { upsert: { email: normaliseEmail(email), consent: 'no-change' }, always: false, at };
}

/**
 * Several needs of one e-mail in one batch become one upsert: tags are united, the latest explicit
 * consent wins over "no-change", and the latest non-empty value of each field is kept.
 */
export function mergeContactNeeds(needs: ContactNeed[]): ContactNeed {
  const sorted = [...needs].sort((a, b) => a.at - b.at);
  const first = sorted[0];
  if (!first) throw new Error('mergeContactNeeds needs at least one need');
  let merged: ContactUpsert = { ...first.upsert };
  const tags = new Set<string>(first.upsert.tags ?? []);
  for (const { upsert } of sorted.slice(1)) {
    for (const t of upsert.tags ?? []) tags.add(t);
    merged = {
      ...merged,
      ...details(upsert),
      ...(upsert.consent !== 'no-change'
        ? { consent: upsert.consent, doubleOptIn: upsert.doubleOptIn }
        : {}),
    };
    if (merged.consent !== 'subscribe' || !merged.doubleOptIn) delete merged.doubleOptIn;
  }
  if (tags.size > 0) merged.tags = [...tags];
  else delete merged.tags;
  const last = sorted[sorted.length - 1] ?? first;
  return { upsert: merged, always: sorted.some((n) => n.always), at: last.at };
}

function withTags(upsert: ContactUpsert, tags: string[]): ContactUpsert {
  return tags.length > 0 ? { ...upsert, tags: [...new Set([...(upsert.tags ?? []), ...tags])] } : upsert;
}

function hasDetails(u: ContactUpsert): boolean {
  return Boolean(u.name || u.phone || u.company);
}
