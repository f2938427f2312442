// The contact upsert that goes with an event or a shop contact: tags by trigger and the consent
// semantics of docs/contracts.md (explicit subscribe / explicit unsubscribe / everything else "no-change",
// which never opts anyone out). Pure functions, except the double opt-in claims (stored by
// ledger/double-opt-ins.ts).
import type { Config } from '../config.ts';
import type { SalesmanagoError } from '../salesmanago/errors.ts';
import { wantsDoubleOptIn } from '../salesmanago/payloads.ts';
import type { ContactUpsert } from '../salesmanago/types.ts';
import { browserSignupUpsert } from '../consent/browser-signup.ts';
import type { AcceptedContact, AcceptedEvent } from '../queue/messages.ts';
import { claimSubscribes, releaseSubscribes } from '../ledger/double-opt-ins.ts';

export interface ContactNeed {
  upsert: ContactUpsert;
  /** False: only upsert when SALESmanago has not confirmed this e-mail before (no new data to send). */
  always: boolean;
  /**
   * Unix ms on the worker's clock (when the item was received), so that several needs of one contact
   * merge in the order they reached us, and a consent stored later wins (upserts.ts): a shopper's
   * clock, which may run ahead, never decides consent.
   */
  at: number;
  /** Ledger ids of the items whose subscribe this upsert carries (the keys of their one DOI request). */
  subscribeIds?: string[];
  /**
   * Who stated the contact's fields: the shop (signed API, platform webhook) or a browser (POST /e,
   * unverified). A browser's fields never change a contact whose data came from the shop, a platform
   * or SALESmanago (delivery/profile.ts). Absent: the need carries no fields of its own.
   */
  origin?: 'shop' | 'browser';
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
  // An order's buyer: the shop's customer id, address, birthday, properties.
  const buyer = event.buyer;
  if (buyer?.externalId) base.externalId = buyer.externalId;
  if (buyer?.address) base.address = { ...buyer.address };
  if (buyer?.birthday) base.birthday = buyer.birthday;
  if (buyer?.properties && Object.keys(buyer.properties).length > 0) base.properties = { ...buyer.properties };
  const need = eventNeed(event, base, config);
  return { ...need, origin: event.source === 'browser' ? 'browser' : 'shop' };
}

function eventNeed(event: AcceptedEvent, base: ContactUpsert, config: ContactSettings): ContactNeed {
  const buyer = event.buyer;
  const at = event.receivedAt;
  switch (event.type) {
    case 'purchase': {
      // History carries no tags: a tag can start an automation, and an old order must start none
      // (the plugin's export sends only the tags chosen for it, `Admin/Model/ExportModel.php:262`).
      const tags = event.history ? [] : event.order?.loggedIn ? config.tags.purchaseLoggedIn : config.tags.purchaseGuest;
      return { upsert: withTags(base, tags), always: true, at };
    }
    case 'newsletter':
      // A browser form's e-mail is unverified: consent/browser-signup.ts decides what it may do.
      if (event.source === 'browser') return { ...browserSignupUpsert(base, config, event.knownOptOut === true), at, subscribeIds: [event.id] };
      // A newsletter form is an explicit subscribe, of the e-mail pair only.
      return { upsert: withTags(subscribeUpsert(base, config), config.tags.newsletter), always: true, at, subscribeIds: [event.id] };
    case 'survey':
    case 'offer':
      // Forms carry name/phone/company worth updating; they say nothing about the newsletter.
      return { upsert: base, always: hasDetails(base), at };
    default:
      // Login, return, cancellation, visit, cart: only make sure the contact exists (a return or
      // cancellation carrying buyer data updates it).
      return { upsert: base, always: buyer !== undefined, at };
  }
}

/** A contact posted by the shop server: always upserted. */
export function contactNeedOfShopContact(contact: AcceptedContact, config: ContactSettings): ContactNeed {
  let upsert: ContactUpsert = { email: normaliseEmail(contact.email), ...details(contact), consent: 'no-change' };
  if (contact.newsletter === 'subscribe') upsert = subscribeUpsert(upsert, config);
  else if (contact.newsletter === 'unsubscribe') upsert = { ...upsert, consent: 'unsubscribe' };
  if (contact.sms) upsert.phoneConsent = contact.sms;
  if (contact.externalId) upsert.externalId = contact.externalId;
  if (contact.address) upsert.address = { ...contact.address };
  if (contact.birthday) upsert.birthday = contact.birthday;
  if (contact.properties && Object.keys(contact.properties).length > 0) upsert.properties = { ...contact.properties };
  if (contact.removeTags && contact.removeTags.length > 0) upsert.removeTags = [...contact.removeTags];
  if (contact.consents && contact.consents.length > 0) upsert.consents = contact.consents.map((c) => ({ ...c }));
  if (contact.previousEmail && normaliseEmail(contact.previousEmail) !== upsert.email) {
    // SALESmanago's e-mail change: the old address in contact.email, the new one in newEmail
    // (plugin 3.11.1 `WcContactModel::parseContact`, docs/salesmanago-api.md §2.2).
    upsert = { ...upsert, email: normaliseEmail(contact.previousEmail), newEmail: upsert.email };
  }
  const tags = contact.history
    ? []
    : [
        ...(contact.trigger === 'registration' ? config.tags.registration : []),
        ...(contact.trigger === 'login' ? config.tags.login : []),
        // A newsletter trigger or an explicit subscribe both mean "signed up for the newsletter"; an
        // unsubscribe never carries the signup tag.
        ...((contact.trigger === 'newsletter' || contact.newsletter === 'subscribe') && contact.newsletter !== 'unsubscribe' ? config.tags.newsletter : []),
      ];
  const need: ContactNeed = { upsert: withTags(upsert, tags), always: true, at: contact.receivedAt, origin: 'shop' };
  if (contact.newsletter === 'subscribe') need.subscribeIds = [contact.id];
  return need;
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
  // Every subscribe merged here is claimed together: a retry of any one of them alone finds its claim.
  const subscribeIds = new Set(first.subscribeIds ?? []);
  const tags = new Set<string>(first.upsert.tags ?? []);
  const removeTags = new Set<string>(first.upsert.removeTags ?? []);
  for (const { upsert, subscribeIds: ids } of sorted.slice(1)) {
    for (const t of upsert.tags ?? []) tags.add(t);
    for (const t of upsert.removeTags ?? []) removeTags.add(t);
    merged = {
      ...merged,
      ...details(upsert),
      ...extras(upsert),
      ...(upsert.consent !== 'no-change' ? { consent: upsert.consent, doubleOptIn: upsert.doubleOptIn } : {}),
      ...(upsert.phoneConsent ? { phoneConsent: upsert.phoneConsent } : {}),
    };
    for (const id of ids ?? []) subscribeIds.add(id);
    if (merged.consent !== 'subscribe' || !merged.doubleOptIn) delete merged.doubleOptIn;
  }
  if (merged.consent !== 'subscribe') subscribeIds.clear();
  if (tags.size > 0) merged.tags = [...tags];
  else delete merged.tags;
  const removed = [...removeTags].filter((t) => !tags.has(t));
  if (removed.length > 0) merged.removeTags = removed;
  else delete merged.removeTags;
  const last = sorted[sorted.length - 1] ?? first;
  const out: ContactNeed = { upsert: merged, always: sorted.some((n) => n.always), at: last.at };
  if (subscribeIds.size > 0) out.subscribeIds = [...subscribeIds];
  const origin = sorted.some((n) => n.origin === 'shop') ? 'shop' : sorted.some((n) => n.origin === 'browser') ? 'browser' : undefined;
  if (origin) out.origin = origin;
  return out;
}

function extras(u: ContactUpsert): Partial<ContactUpsert> {
  const out: Partial<ContactUpsert> = {};
  for (const key of ['externalId', 'address', 'birthday', 'properties', 'newEmail', 'consents'] as const) {
    if (u[key] !== undefined) Object.assign(out, { [key]: u[key] });
  }
  return out;
}

/**
 * At most one double opt-in mail per subscribe, also when the call is retried. Before the upserts
 * are sent, each subscribe under double opt-in claims its row in double_opt_ins (keyed by the ledger
 * id of the item that subscribed). A subscribe that finds its row already claimed was sent before and
 * may have reached SALESmanago (a timeout, a 5xx): it now goes without the DOI request (e-mail pair
 * false/false, the rest of the contact as it is), so SALESmanago never sends a second mail.
 * Answers the needs as they must be sent.
 */
export async function claimDoubleOptIns(db: D1Database, needs: ContactNeed[], now: number): Promise<ContactNeed[]> {
  const asking = needs.filter((n) => n.subscribeIds?.length && wantsDoubleOptIn(n.upsert));
  if (asking.length === 0) return needs;
  const claims = asking.flatMap((n) => (n.subscribeIds ?? []).map((id) => ({ n, id })));
  const fresh = await claimSubscribes(
    db,
    claims.map(({ n, id }) => ({ id, email: n.upsert.email })),
    now,
  );
  // One subscribe of the merge already claimed: its request may have reached SALESmanago.
  const again = new Set(claims.filter((_, i) => !fresh[i]).map((c) => c.n));
  return needs.map((n) => {
    if (!again.has(n)) return n;
    console.warn({ msg: 'double opt-in already requested for this subscribe: not asked again', subscribeIds: n.subscribeIds });
    return withoutDoubleOptIn(n);
  });
}

/** The need without its e-mail consent (no change for the e-mail pair, no double opt-in, no claim). */
export function withoutConsent(n: ContactNeed): ContactNeed {
  const upsert: ContactUpsert = { ...n.upsert, consent: 'no-change' };
  delete upsert.doubleOptIn;
  const out: ContactNeed = { ...n, upsert };
  delete out.subscribeIds;
  return out;
}

/** The need sent again after its double opt-in request may have reached SALESmanago: no request, no consent change. */
export function withoutDoubleOptIn(n: ContactNeed): ContactNeed {
  return wantsDoubleOptIn(n.upsert) ? withoutConsent(n) : n;
}

/**
 * A DOI upsert that certainly did not reach SALESmanago (refused: 4xx, 429, success:false) gives its
 * claim back, so its retry asks for the mail again.
 */
export async function releaseDoubleOptIns(db: D1Database, needs: ContactNeed[], err: SalesmanagoError): Promise<void> {
  if (err.maybeStored) return;
  const ids = needs.filter((n) => wantsDoubleOptIn(n.upsert)).flatMap((n) => n.subscribeIds ?? []);
  await releaseSubscribes(db, ids);
}

function withTags(upsert: ContactUpsert, tags: string[]): ContactUpsert {
  return tags.length > 0 ? { ...upsert, tags: [...new Set([...(upsert.tags ?? []), ...tags])] } : upsert;
}

function hasDetails(u: ContactUpsert): boolean {
  return Boolean(u.name || u.phone || u.company);
}
