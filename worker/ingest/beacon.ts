// Turns a validated beacon from the tracker into AcceptedEvents: ledger ids, identity, clock sanity.
import type { AcceptedEvent, ProductLine } from '../delivery/messages.ts';
import { verifyLoginToken } from '../identity/login-token.ts';
import type { Beacon, BeaconEvent } from './beacon-schema.ts';

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

function productLines(products: readonly { id: string; name?: string | null; quantity: number; price?: number | null }[] | null | undefined): ProductLine[] | undefined {
  return products?.map((p) => ({
    id: p.id,
    quantity: p.quantity,
    ...(p.name ? { name: p.name } : {}),
    ...(p.price != null ? { price: p.price } : {}),
  }));
}

function present<T>(value: T | null | undefined): T | undefined {
  return value === null || value === '' ? undefined : value;
}

/**
 * The events of one beacon. A login event is identified only by a valid token (e-mail verified);
 * with a missing, expired or forged token it is still accepted, anonymously. Form e-mails are typed
 * by the visitor, so never verified.
 */
export async function acceptBeacon(
  beacon: Beacon,
  options: { receivedAt: number; shopApiSecret: string | null | undefined },
): Promise<AcceptedEvent[]> {
  const { receivedAt } = options;
  const nowS = Math.floor(receivedAt / 1000);
  return Promise.all(
    beacon.events.map(async (e: BeaconEvent): Promise<AcceptedEvent> => {
      const event: AcceptedEvent = {
        id: beaconEventId(beacon.visitor, e.id),
        type: e.type,
        source: 'browser',
        occurredAt: eventTime(e.t, receivedAt),
        receivedAt,
        visitorId: beacon.visitor,
      };
      if (beacon.smclient) event.contactId = beacon.smclient;
      const url = present(e.url), title = present(e.title), referrer = present(e.referrer);
      if (url) event.url = url;
      if (title) event.title = title;
      if (referrer) event.referrer = referrer;
      if (e.type === 'login') {
        const secret = options.shopApiSecret?.trim();
        const check = secret ? await verifyLoginToken(secret, e.token, nowS) : null;
        if (check?.ok) {
          event.email = check.email;
          event.emailVerified = true;
        }
        return event;
      }
      if (e.type === 'cart' || e.type === 'offer') {
        const lines = productLines(e.products);
        if (lines) event.products = lines;
        if (e.value != null) event.value = e.value;
        const cur = present(e.currency);
        if (cur) event.currency = cur;
      }
      if (e.type === 'offer' || e.type === 'newsletter' || e.type === 'survey') {
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
      if (e.type === 'offer' || e.type === 'survey') {
        const message = present(e.message);
        if (message) event.message = message;
      }
      return event;
    }),
  );
}
