// Turns a checked beacon from the tracker into AcceptedEvents: ledger ids, identity, clock sanity,
// the Cart of a visit to the cart page.
import type { AcceptedEvent, ProductLine } from '../queue/messages.ts';
import { verifyLoginToken } from '../identity/login-token.ts';
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
export async function acceptBeacon(
  beacon: Beacon,
  options: { receivedAt: number; shopApiSecret: string | null | undefined },
): Promise<AcceptedEvent[]> {
  const { receivedAt } = options;
  const nowS = Math.floor(receivedAt / 1000);
  const accepted = await Promise.all(
    beacon.events.map(async (e: BeaconEvent, seq: number): Promise<AcceptedEvent[]> => {
      const event: AcceptedEvent = {
        id: beaconEventId(beacon.visitor, e.i),
        type: e.k,
        source: 'browser',
        occurredAt: eventTime(e.t, receivedAt),
        receivedAt,
        visitorId: beacon.visitor,
        seq,
      };
      if (beacon.contactId) event.contactId = beacon.contactId;
      const url = present(e.u), title = present(e.h), referrer = present(e.r);
      if (url) event.url = url;
      if (title) event.title = title;
      if (referrer) event.referrer = referrer;
      if (e.k === 'visit') {
        return onCartPath(url, beacon.cartPath) ? [event, { ...event, id: `${event.id}:cart`, type: 'cart' }] : [event];
      }
      if (e.k === 'login') {
        const secret = options.shopApiSecret?.trim();
        const check = secret ? await verifyLoginToken(secret, e.token, nowS) : null;
        if (check?.ok) {
          event.email = check.email;
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
        const name = present(e.name), phone = present(e.phone), company = present(e.company);
        if (name) event.name = name;
        if (phone) event.phone = phone;
        if (company) event.company = company;
      }
      if (e.k === 'newsletter') {
        const version = present(e.consentVersion), formId = present(e.formId);
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
