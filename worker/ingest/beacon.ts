// Turns a checked beacon from the tracker into AcceptedEvents: ledger ids, identity, clock sanity,
// the Cart of a visit to the cart page.
import type { AcceptedEvent, ProductLine } from '../queue/messages.ts';
import { verifyLoginToken } from '../identity/login-token.ts';
import { emailProblem, normaliseEmail } from '../contact/email.ts';
import { readConsent } from '../consent/store.ts';
import type { Beacon, BeaconEvent } from './beacon-schema.ts';
import { logError } from '../log.ts';

// A client clock is believed within this window around the receive time; otherwise the receive time
// is used (a wrong device clock must not date an event years away). Queued beacons of a tab that was
// offline for a while stay within a week.
const CLOCK_PAST_MS = 7 * 24 * 3600 * 1000;
const CLOCK_FUTURE_MS = 10 * 60 * 1000;

/** Ledger id of a browser event: unique per visitor and tracker event id, so a retried beacon is a duplicate. */
export function beaconEventId(visitor: string, eventId: string): string {
  return `b:${visitor}:${eventId}`;
}

export function eventTime(clientMs: number, receivedAt: number): number {
  return clientMs >= receivedAt - CLOCK_PAST_MS && clientMs <= receivedAt + CLOCK_FUTURE_MS ? Math.floor(clientMs) : receivedAt;
}

function present<T>(value: T | null | undefined): T | undefined {
  return value === null || value === '' ? undefined : value;
}

/** Whether a Visit's URL is under the shop's cart path (data-cart-path), as the page's location.pathname would be. */
export function onCartPath(url: string | undefined, cartPath: string | undefined): boolean {
  if (!url || !cartPath) return false;
  try {
    return new URL(url).pathname.startsWith(cartPath);
  } catch {
    return false;
  }
}

/**
 * The events of one checked beacon. A Visit under the cart path is followed by a Cart (ledger id of
 * the visit + ":cart", so a retried beacon repeats neither). A login event is identified only by a
 * valid token (e-mail verified); with an expired or forged token it is still accepted, anonymously.
 * Form e-mails are typed by the visitor, so never verified.
 */
export async function acceptBeacon(beacon: Beacon, options: { receivedAt: number; shopApiSecret: string | null | undefined }): Promise<AcceptedEvent[]> {
  const { receivedAt } = options;
  const nowS = Math.floor(receivedAt / 1000);
  const views = viewsOf(beacon.events);
  const accepted = await Promise.all(
    beacon.events.map(async (e: BeaconEvent, seq: number): Promise<AcceptedEvent[]> => {
      if (views.get(e) === null) return [];
      const event: AcceptedEvent = {
        id: beaconEventId(beacon.visitor, e.i),
        type: e.k === 'view' ? 'visit' : e.k,
        source: 'browser',
        occurredAt: eventTime(e.t, receivedAt),
        receivedAt,
        visitorId: beacon.visitor,
        seq,
      };
      if (beacon.contactId) event.contactId = beacon.contactId;
      const url = present(e.u),
        title = present(e.h),
        referrer = present(e.r);
      if (url) event.url = url;
      if (title) event.title = title;
      if (referrer) event.referrer = referrer;
      if (e.k === 'view') {
        event.products = e.products.map(viewLine);
        return [event];
      }
      if (e.k === 'visit') {
        // The Cart of a visit to the cart page says nothing of its contents: viewed products are not in it.
        const cart: AcceptedEvent = { ...event, id: `${event.id}:cart`, type: 'cart' };
        const products = views.get(e) ?? e.products;
        if (products?.length) event.products = products.map(viewLine);
        return onCartPath(url, beacon.cartPath) ? [event, cart] : [event];
      }
      if (e.k === 'login') {
        const secret = options.shopApiSecret?.trim();
        const check = secret ? await verifyLoginToken(secret, e.token, nowS) : null;
        // The one e-mail rule on the address as minted, then its stored form: a token carrying an
        // address SALESmanago refuses identifies no one rather than poisoning a delivery.
        if (check?.ok && emailProblem(check.email) === null) {
          event.email = normaliseEmail(check.email);
          event.emailVerified = true;
        }
        return [event];
      }
      if (e.k === 'cart' || e.k === 'offer') {
        if (e.products && (e.products.length > 0 || e.k === 'cart')) event.products = e.products.map(productLine);
        if (e.value !== undefined) event.value = e.value;
        // An emptied cart is worth 0.
        else if (e.products?.length === 0 && e.k === 'cart') event.value = 0;
        if (e.currency) event.currency = e.currency;
      }
      if (e.k === 'offer' || e.k === 'newsletter' || e.k === 'survey') {
        const email = present(e.email);
        if (email) {
          event.email = email;
          event.emailVerified = false;
        }
        const name = present(e.name),
          phone = present(e.phone),
          company = present(e.company);
        if (name) event.name = name;
        if (phone) event.phone = phone;
        if (company) event.company = company;
      }
      if (e.k === 'newsletter') {
        const version = present(e.consentVersion),
          formId = present(e.formId);
        if (version) event.consentVersion = version;
        if (formId) event.formId = formId;
      }
      if (e.k === 'offer' || e.k === 'survey') {
        const message = present(e.message);
        if (message) event.message = message;
      }
      return [event];
    }),
  );
  return accepted.flat();
}

/**
 * smEdge('view') is the Visit of its page, with products: a page sends one VISIT. When the beacon
 * also holds that page's Visit (the tracker's own, made as the page loaded: the theme's call comes in
 * the same batch), the view's products go to that Visit and the view is not an event of its own;
 * otherwise (a view after the Visit had left) it is a Visit by itself. The map gives each merged
 * Visit its products, and each merged view null. Deterministic, so a retried beacon repeats nothing.
 */
function viewsOf(events: BeaconEvent[]): Map<BeaconEvent, ViewedProduct[] | null> {
  const out = new Map<BeaconEvent, ViewedProduct[] | null>();
  events.forEach((e, i) => {
    if (e.k !== 'view') return;
    // The latest Visit of the same page before the view.
    for (let j = i - 1; j >= 0; j--) {
      const visit = events[j]!;
      if (visit.k === 'visit' && visit.u === e.u) {
        out.set(visit, e.products);
        out.set(e, null);
        return;
      }
    }
  });
  return out;
}

type ViewedProduct = { id: string; name?: string | undefined; price?: number | undefined };

/** A viewed product: quantity 1 (ProductLine needs one; delivery/mapping.ts sends none for a Visit). */
function viewLine(p: ViewedProduct): ProductLine {
  return productLine({ ...p, quantity: 1 });
}

function productLine(p: { id: string; name?: string | undefined; quantity: number; price?: number | undefined }): ProductLine {
  return { id: p.id, quantity: p.quantity, ...(p.name ? { name: p.name } : {}), ...(p.price !== undefined ? { price: p.price } : {}) };
}

/**
 * Marks the browser newsletter signups whose e-mail the consent store holds as opted out, so that
 * delivery never turns them into an opt-in (consent/browser-signup.ts). One KV read per distinct
 * address; should KV fail, the signup is treated as opted out (it then changes no consent).
 */
export async function markKnownOptOuts(kv: KVNamespace, events: AcceptedEvent[]): Promise<void> {
  const signups = events.filter((e) => e.type === 'newsletter' && e.source === 'browser' && e.email);
  const emails = [...new Set(signups.map((e) => e.email!))];
  const optedOut = new Set<string>();
  await Promise.all(
    emails.map(async (email) => {
      try {
        if ((await readConsent(kv, email))?.status === 'opt-out') optedOut.add(email);
      } catch (err) {
        logError('consent lookup failed; signup changes no consent', {}, err);
        optedOut.add(email);
      }
    }),
  );
  for (const e of signups) if (optedOut.has(e.email!)) e.knownOptOut = true;
}
