// The event sets the delivery benchmarks send. Browser events always come from identified visitors
// (a login token or a form e-mail first in the visitor's beacon), so they are delivered, not held.
import type { Outgoing } from './send.ts';
import { browserEvent, customerEmail, orderEvent, visitorId, type BeaconEvent, type OrderEvent } from './traffic.ts';

const FORMS = ['newsletter', 'survey', 'offer'] as const;

/** SQL LIKE patterns matching the ledger ids of the events of one workload (worker/ingest: beaconEventId, shopEventId). */
export function ledgerPatterns(tag: string): string[] {
  return [`b:bench-${tag}-%`, `s:%:ZAM-${tag}-%`];
}

function orders(tag: string, count: { purchases: number; returns: number; cancellations: number }, customers: number): OrderEvent[] {
  const out: OrderEvent[] = [];
  const orderId = (i: number) => `ZAM-${tag}-${i}`;
  for (let i = 0; i < count.purchases; i++) out.push(orderEvent('purchase', orderId(i), customerEmail(tag, i % customers), i));
  // Returns and cancellations concern orders purchased above (distinct ones, spread over the list).
  for (let i = 0; i < count.returns; i++) out.push(orderEvent('return', orderId(i * 2), customerEmail(tag, (i * 2) % customers), i));
  for (let i = 0; i < count.cancellations; i++) out.push(orderEvent('cancellation', orderId(i * 2 + 1), customerEmail(tag, (i * 2 + 1) % customers), i));
  return out;
}

/**
 * About `total` events in the proportions of a shop's day. Per visitor one beacon: the identifying
 * event (login 60 %, a form 40 %) and six visits (60 %); one visitor in four is a shopper who also
 * changes the cart four times (carts: 10 % of events, from 25 shoppers per 1,000 events); some
 * logged-in visitors also send a form (2 %); the shop server sends purchases (10 %), returns (4 %)
 * and cancellations (4 %).
 */
export function mixedDay(tag: string, total: number): Outgoing[] {
  const visitors = Math.max(1, Math.round(total / 10));
  const extraForms = Math.round(total * 0.02);
  const items: Outgoing[] = [];
  let formsLeft = extraForms;
  for (let v = 0; v < visitors; v++) {
    const email = customerEmail(tag, v);
    const id = (k: string) => `e${tag}${v}${k}`;
    const loggedIn = v % 5 < 3;
    const events: BeaconEvent[] = [loggedIn ? browserEvent.login(id('l'), v, email) : browserEvent[FORMS[v % 3] ?? 'newsletter'](id('f'), v, email)];
    for (let k = 0; k < 6; k++) events.push(browserEvent.visit(id(`v${k}`), v + k));
    if (v % 4 === 0) for (let k = 0; k < 4; k++) events.push(browserEvent.cart(id(`c${k}`), v + k));
    if (loggedIn && formsLeft-- > 0) events.push(browserEvent[FORMS[(v + 1) % 3] ?? 'survey'](id('g'), v, email));
    items.push({ beacon: { v: 2, u: visitorId(tag, v), e: events }, email });
  }
  const purchases = Math.round(total * 0.1);
  const others = Math.round(total * 0.04);
  for (const order of orders(tag, { purchases, returns: others, cancellations: others }, visitors)) items.push({ order });
  return items;
}

/**
 * `total` events for volume runs: beacons of `perBeacon` events (a login, then visits), and, when
 * `shopShare` > 0, that share of purchases, returns and cancellations from the shop server.
 */
export function volume(tag: string, total: number, options: { perBeacon?: number; shopShare?: number } = {}): Outgoing[] {
  const perBeacon = options.perBeacon ?? 50;
  const shop = Math.round(total * (options.shopShare ?? 0));
  const browser = total - shop;
  const items: Outgoing[] = [];
  const visitors = Math.ceil(browser / perBeacon);
  for (let v = 0; v < visitors; v++) {
    const size = Math.min(perBeacon, browser - v * perBeacon);
    const id = (k: string) => `e${tag}${v}${k}`;
    const events: BeaconEvent[] = [browserEvent.login(id('l'), v, customerEmail(tag, v))];
    for (let k = 1; k < size; k++) events.push(browserEvent.visit(id(`v${k}`), v + k));
    items.push({ beacon: { v: 2, u: visitorId(tag, v), e: events }, email: customerEmail(tag, v) });
  }
  if (shop > 0) {
    const returns = Math.round(shop * 0.15);
    const cancellations = Math.round(shop * 0.15);
    for (const order of orders(tag, { purchases: shop - returns - cancellations, returns, cancellations }, Math.max(visitors, 1))) items.push({ order });
  }
  return items;
}
