// Realistic traffic for the benchmarks: tracker beacons (contract A, beacon format 2) and signed shop server events
// (docs/contracts.md "Shop server API"), with unique ids so that nothing is refused as a duplicate or replay,
// and a record of what was sent so that deliveries can be counted at the simulator.
import { randomBytes } from 'node:crypto';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { mintLoginToken, signRequest } from '../demo-shop/shop-server-api.ts';

/** The demo shop's origin: a registered domain (localhost) in the local configuration. */
const SHOP_ORIGIN = 'http://localhost:8788';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
export const SHOP_EVENTS_PATH = '/api/v1/events';

/** A short random tag that makes every id of one benchmark run unique across runs and stacks. */
export function runTag(): string {
  return randomBytes(4).toString('hex');
}

/** One event of a beacon: i = event id, k = command, t = client time, u/h/r = url/title/referrer. */
export type BeaconEvent = Record<string, unknown> & { i: string; k: string };

export interface Beacon {
  v: 2;
  /** The first-party visitor id. */
  u: string;
  e: BeaconEvent[];
}

/** SALESmanago event types of the tracker's event kinds (worker/delivery/mapping.ts). */
const BROWSER_TYPES: Record<string, string> = {
  visit: 'VISIT',
  cart: 'CART',
  login: 'LOGIN',
  offer: 'OFFER',
  newsletter: 'OTHER',
  survey: 'SURVEY',
};

const PAGES = [
  ['/', 'Sklep z herbatą'],
  ['/kategoria/zielone', 'Herbaty zielone'],
  ['/produkt/sencha-kagoshima', 'Sencha Kagoshima 100 g'],
  ['/produkt/yerba-mate-klasyczna', 'Yerba Mate Klasyczna 500 g'],
  ['/koszyk', 'Koszyk'],
] as const;

const PRODUCTS = [
  { id: 'SKU-1001', name: 'Sencha Kagoshima 100 g', price: 39.9 },
  { id: 'SKU-2040', name: 'Yerba Mate Klasyczna 500 g', price: 27.5 },
  { id: 'SKU-3310', name: 'Czajnik żeliwny 0,8 l', price: 149 },
] as const;

function page(n: number): { u: string; h: string; r: string } {
  const [path, title] = PAGES[n % PAGES.length] ?? PAGES[0];
  return { u: `${SHOP_ORIGIN}${path}`, h: title, r: n % 3 === 0 ? 'https://www.google.com/' : `${SHOP_ORIGIN}/` };
}

function lines(n: number): { id: string; name: string; quantity: number; price: number }[] {
  const first = PRODUCTS[n % PRODUCTS.length] ?? PRODUCTS[0];
  const second = PRODUCTS[(n + 1) % PRODUCTS.length] ?? PRODUCTS[1];
  return [
    { ...first, quantity: 1 + (n % 2) },
    { ...second, quantity: 1 },
  ];
}

function total(products: { quantity: number; price: number }[]): number {
  return Math.round(products.reduce((sum, p) => sum + p.quantity * p.price, 0) * 100) / 100;
}

export function visitorId(tag: string, n: number): string {
  return `bench-${tag}-v${String(n).padStart(8, '0')}`;
}

export function customerEmail(tag: string, n: number): string {
  return `customer-${tag}-${n}@bench.example`;
}

/** Browser events, numbered within their visitor; `n` varies the page and products. */
export const browserEvent = {
  visit: (i: string, n: number): BeaconEvent => ({ i, k: 'visit', t: Date.now(), ...page(n) }),
  cart: (i: string, n: number): BeaconEvent => {
    const products = lines(n);
    return { i, k: 'cart', t: Date.now(), ...page(4), products, value: total(products), currency: 'PLN' };
  },
  login: (i: string, n: number, email: string): BeaconEvent => ({
    i,
    k: 'login',
    t: Date.now(),
    ...page(n),
    token: mintLoginToken(LOCAL_SECRETS.SHOP_API_SECRET, email),
  }),
  newsletter: (i: string, n: number, email: string): BeaconEvent => ({ i, k: 'newsletter', t: Date.now(), ...page(n), email }),
  survey: (i: string, n: number, email: string): BeaconEvent => ({
    i,
    k: 'survey',
    t: Date.now(),
    ...page(n),
    email,
    name: 'Jan Kowalski',
    message: 'Czy sencha jest z tegorocznych zbiorów?',
  }),
  offer: (i: string, n: number, email: string): BeaconEvent => ({
    i,
    k: 'offer',
    t: Date.now(),
    ...page(n),
    email,
    company: 'Herbaciarnia Sp. z o.o.',
    products: lines(n),
    message: 'Proszę o ofertę na 20 sztuk.',
  }),
};

/** A beacon as a page load sends it: one visit, and every fifth page also the cart. */
export function pageLoadBeacon(tag: string, n: number): Beacon {
  const events = [browserEvent.visit(`e${tag}${n}a`, n)];
  if (n % 5 === 4) events.push(browserEvent.cart(`e${tag}${n}b`, n));
  return { v: 2, u: visitorId(tag, n), e: events };
}

export function beaconHeaders(): Record<string, string> {
  return { 'content-type': 'text/plain;charset=UTF-8', origin: SHOP_ORIGIN, referer: `${SHOP_ORIGIN}/`, 'user-agent': BROWSER_UA };
}

export type OrderEventType = 'purchase' | 'return' | 'cancellation';

export interface OrderEvent {
  type: OrderEventType;
  orderId: string;
  returnId?: string;
  email: string;
  [field: string]: unknown;
}

export function orderEvent(type: OrderEventType, orderId: string, email: string, n: number): OrderEvent {
  const products = lines(n);
  return {
    type,
    orderId,
    ...(type === 'return' ? { returnId: `R${orderId}` } : {}),
    email,
    loggedIn: n % 2 === 0,
    name: 'Jan Kowalski',
    lang: 'pl',
    value: total(products),
    currency: 'PLN',
    products,
    occurredAt: new Date().toISOString(),
    paymentMethod: 'przelewy24',
    shippingMethod: 'inpost',
  };
}

/** Headers and body of a signed shop API request: a fresh signature each time (replays are refused). */
export function signedShopRequest(path: string, payload: unknown): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(payload);
  return {
    headers: {
      'content-type': 'application/json',
      'sm-edge-signature': signRequest(LOCAL_SECRETS.SHOP_API_SECRET, 'POST', path, body),
    },
    body,
  };
}

/**
 * What the simulator stores for a sent event: its SALESmanago type and externalId (mapping.ts). A cart
 * is different: the contact's open CART event is updated in place, so what is expected is one CART
 * event per contact (email), whatever the number of cart changes.
 */
export interface ExpectedEvent {
  type: string;
  externalId: string;
  email?: string;
  /** The worker's ledger ids of the events this stands for (several cart changes for one CART). */
  ids: string[];
  /** Date.now() when the worker accepted it (the first of them): the start of its delivery delay. */
  sentAt?: number;
}

/** `email`: the visitor's identified e-mail, needed to expect their cart. */
export function expectedBrowserEvent(visitor: string, event: BeaconEvent, email?: string): ExpectedEvent {
  const type = BROWSER_TYPES[event.k] ?? event.k.toUpperCase();
  const id = `b:${visitor}:${event.i}`;
  return { type, externalId: id, ids: [id], ...(type === 'CART' && email ? { email } : {}) };
}

export function expectedOrderEvent(event: OrderEvent): ExpectedEvent {
  const type = event.type.toUpperCase();
  // Returns too carry the plain order id (the plugin's layout, mapping.ts); this traffic makes one return per order.
  // The ledger id as worker/ingest/shop.ts shopEventId builds it (bench order ids need no escaping).
  const id = `s:${event.type}:${event.orderId}${event.type === 'return' ? `:${event.returnId ?? ''}` : ''}`;
  return { type, externalId: event.orderId, ids: [id] };
}

export function eventKey(e: ExpectedEvent): string {
  return e.type === 'CART' && e.email ? `CART @${e.email.toLowerCase()}` : `${e.type} ${e.externalId}`;
}
