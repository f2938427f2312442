// The body of POST /e, beacon format 2 (docs/contracts.md "Beacon format"). The tracker sends the shop's command
// arguments as given, so this is where they are coerced (numbers from strings, ids and phone numbers
// to strings, a missing quantity to 1), allow-listed (unknown fields are dropped) and checked. The
// envelope must be valid; each event is then checked on its own, so one bad call in a theme costs only
// that event. Descriptive browser text (url, title, message, …) is cut to a maximum length rather than
// refused.
import * as v from 'valibot';
import { clippedText, currency, email, identifier } from './fields.ts';
import { describeIssues } from './problems.ts';

// POST /e is open to anyone: a form e-mail SALESmanago would refuse (x..1@example.com, .a@x.pl, a
// local part over 64 characters) is refused here by the one e-mail rule (worker/contact/email.ts),
// before it can sit in a batch with real events.

const MAX_EVENTS = 50;
const MAX_PRODUCTS = 200;

/** The shape of a SALESmanago contactId: the only smclient values read, and the only contactIds answered (they go into a cookie). */
export const CONTACT_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The shop's empty values ('' from an empty form field, null) count as absent. */
const blank = v.transform((x: unknown) => (x === '' || x === null ? undefined : x));

/** An optional field, as a shop may give it (the outer optional lets the key be missing). */
const given = <S extends v.GenericSchema>(schema: S) => v.optional(v.pipe(v.unknown(), blank, v.optional(schema)));

/** A number, or a string holding one ("19.90"). */
const number = v.pipe(
  v.union(
    [
      v.number(),
      v.pipe(
        v.string(),
        v.transform((s) => (s.trim() ? Number(s) : NaN)),
      ),
    ],
    'must be a number',
  ),
  v.finite('must be a number'),
);

/** Text typed or given in a browser (a number is taken as its digits), cut to `max`. */
const text = (max: number) => v.pipe(v.union([v.string(), v.number()], 'must be text'), v.transform(String), clippedText(max));

/** Dangling separators the tracker leaves where it removed a parameter ("?", "&" at the end or before "#", an empty "#"). */
export const tidyUrl = (url: string) => url.replace(/[?&#]+(?=#|$)/g, '');

const url = v.pipe(clippedText(2048), v.transform(tidyUrl));

const product = v.object(
  {
    id: identifier(128),
    name: given(text(255)),
    quantity: v.optional(v.pipe(v.unknown(), blank, v.optional(v.pipe(number, v.gtValue(0, 'must be greater than 0')), 1)), 1),
    price: given(v.pipe(number, v.minValue(0, 'must not be negative'))),
  },
  'must be an object',
);

/**
 * The products of a page's Visit (s.full.js reads them from the theme's Product JSON-LD, which the
 * theme developer may not even know is read): a product the worker cannot use (no id) is left out, a
 * name or price it cannot use is dropped, so the Visit itself always counts. Views carry no quantity.
 */
const viewedProduct = v.object({
  id: identifier(128),
  name: v.fallback(given(text(255)), undefined),
  price: v.fallback(given(v.pipe(number, v.minValue(0))), undefined),
});
const viewedProducts = v.pipe(
  v.array(v.unknown()),
  v.transform((list) =>
    list
      .flatMap((p) => {
        const r = v.safeParse(viewedProduct, p);
        return r.success ? [r.output] : [];
      })
      .slice(0, MAX_PRODUCTS),
  ),
);

const page = {
  i: v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of A-Z, a-z, 0-9, "_" or "-"')),
  t: v.pipe(v.number('must be a number (unix ms)'), v.finite('must be a finite number'), v.minValue(0, 'must not be negative')),
  u: given(url),
  h: given(text(512)),
  r: given(url),
};

const basket = {
  // An empty list is an emptied cart.
  products: given(v.pipe(v.array(product, 'must be an array of products'), v.maxLength(MAX_PRODUCTS, `must contain at most ${MAX_PRODUCTS} products`))),
  value: given(number),
  currency: given(currency),
};

const person = {
  name: given(text(200)),
  phone: given(text(50)),
  company: given(text(200)),
};

const message = given(text(4000));

export const beaconEventSchema = v.variant(
  'k',
  [
    v.object({ k: v.literal('visit'), ...page, products: v.fallback(given(viewedProducts), undefined) }),
    // smEdge('view', {products}): the theme's own call, so its products are checked as a cart's are
    // (a bad one refuses the view, with the field named). It is its page's Visit (acceptBeacon).
    v.object({
      k: v.literal('view'),
      ...page,
      products: v.pipe(
        v.array(v.omit(product, ['quantity']), 'must be an array of products'),
        v.minLength(1, 'must contain at least one product'),
        v.maxLength(MAX_PRODUCTS, `must contain at most ${MAX_PRODUCTS} products`),
      ),
    }),
    v.object({ k: v.literal('cart'), ...page, ...basket }),
    // A login's e-mail comes only from its signed token: an "email" field here is ignored. A token that
    // is expired or forged is still a login (of no one); a login without any token is refused.
    v.object({
      k: v.literal('login'),
      ...page,
      token: v.pipe(v.string('must be a string'), v.trim(), v.minLength(1, 'is required'), v.maxLength(1024, 'is not a login token')),
    }),
    v.object({ k: v.literal('offer'), ...page, ...basket, ...person, email: given(email), message }),
    // consentVersion: the version of the consent text shown at the form (data-sm-consent-version), and
    // formId the form's id: both proof only (consent/proof.ts).
    v.object({ k: v.literal('newsletter'), ...page, ...person, email, consentVersion: given(text(64)), formId: given(text(128)) }),
    v.object({ k: v.literal('survey'), ...page, ...person, email, message }),
  ],
  'must be one of visit, cart, login, offer, newsletter, survey, view',
);

const envelopeSchema = v.object({
  v: v.literal(2, 'must be 2 (the beacon format version)'),
  u: v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be 16-64 characters of A-Z, a-z, 0-9, "_" or "-"')),
  // The smclient cookie is the visitor's to tamper with, and the cart path a script attribute:
  // a malformed value is ignored, not refused.
  c: v.fallback(v.nullish(v.pipe(v.string(), v.regex(CONTACT_ID))), undefined),
  p: v.fallback(v.nullish(v.pipe(v.string(), v.startsWith('/'), v.maxLength(256))), undefined),
  e: v.pipe(
    v.array(v.unknown(), 'must be an array of events'),
    v.minLength(1, 'must contain at least one event'),
    v.maxLength(MAX_EVENTS, `must contain at most ${MAX_EVENTS} events per request`),
  ),
});

export type BeaconEvent = v.InferOutput<typeof beaconEventSchema>;

export interface Beacon {
  visitor: string;
  /** From the smclient cookie. */
  contactId?: string;
  /** data-cart-path: a Visit under it is a Cart as well. */
  cartPath?: string;
  /** The valid events, in order. */
  events: BeaconEvent[];
}

export interface RejectedEvent {
  index: number;
  error: string;
}

export type BeaconCheck = { ok: true; beacon: Beacon; rejected: RejectedEvent[] } | { ok: false; error: string };

/**
 * The envelope must be valid; then each event is checked on its own. Refused as a whole (the error
 * names the field) when the envelope is not valid or no event is.
 */
export function checkBeacon(body: unknown): BeaconCheck {
  const envelope = v.safeParse(envelopeSchema, body);
  if (!envelope.success) return { ok: false, error: describeIssues(envelope.issues) };
  const { u, c, p, e } = envelope.output;
  const events: BeaconEvent[] = [];
  const rejected: RejectedEvent[] = [];
  e.forEach((raw, index) => {
    const event = v.safeParse(beaconEventSchema, raw, { abortPipeEarly: true });
    if (event.success) events.push(event.output);
    else rejected.push({ index, error: describeIssues(event.issues, `e[${index}]`) });
  });
  if (events.length === 0) return { ok: false, error: rejected[0]!.error };
  return { ok: true, beacon: { visitor: u, contactId: c ?? undefined, cartPath: p ?? undefined, events }, rejected };
}
