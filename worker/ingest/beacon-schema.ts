// The body of POST /e (contracts.md A). Unknown fields are dropped. Structural fields (ids, numbers,
// e-mails, currency, type) are checked strictly; descriptive browser text (url, title, message, …) is
// cut to a maximum length instead of refusing the beacon it travels in.
import * as v from 'valibot';
import { amount, clippedText, currency, email, products } from './fields.ts';

export const MAX_EVENTS = 50;

const common = {
  id: v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of A-Z, a-z, 0-9, "_" or "-"')),
  t: v.pipe(v.number('must be a number (unix ms)'), v.finite('must be a finite number'), v.minValue(0, 'must not be negative')),
  url: v.nullish(clippedText(2048)),
  title: v.nullish(clippedText(512)),
  referrer: v.nullish(clippedText(2048)),
};

const basket = {
  products: v.nullish(products(200, true)),
  value: v.nullish(amount),
  currency: v.nullish(currency),
};

const person = {
  name: v.nullish(clippedText(200)),
  phone: v.nullish(clippedText(50)),
  company: v.nullish(clippedText(200)),
};

const beaconEvent = v.variant(
  'type',
  [
    v.object({ type: v.literal('visit'), ...common }),
    v.object({ type: v.literal('cart'), ...common, ...basket }),
    // A login's e-mail comes only from its signed token: an "email" field here is ignored.
    v.object({ type: v.literal('login'), ...common, token: v.nullish(v.pipe(v.string('must be a string'), v.maxLength(1024, 'is not a login token'))) }),
    v.object({ type: v.literal('offer'), ...common, ...basket, ...person, email: v.nullish(email), message: v.nullish(clippedText(4000)) }),
    v.object({ type: v.literal('newsletter'), ...common, ...person, email }),
    v.object({ type: v.literal('survey'), ...common, ...person, email, message: v.nullish(clippedText(4000)) }),
  ],
  'must be one of visit, cart, login, offer, newsletter, survey',
);

export const beaconSchema = v.object({
  v: v.literal(1, 'must be 1 (the beacon format version)'),
  visitor: v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be 16-64 characters of A-Z, a-z, 0-9, "_" or "-"')),
  // The smclient cookie is the visitor's to tamper with: a malformed value is ignored, not refused.
  smclient: v.fallback(v.nullish(v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/))), undefined),
  events: v.pipe(
    v.array(beaconEvent, 'must be an array of events'),
    v.minLength(1, 'must contain at least one event'),
    v.maxLength(MAX_EVENTS, `must contain at most ${MAX_EVENTS} events per request`),
  ),
});

export type Beacon = v.InferOutput<typeof beaconSchema>;
export type BeaconEvent = Beacon['events'][number];
