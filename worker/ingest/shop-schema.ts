// Bodies of the shop server API (docs/contracts.md "Shop server API"). Unknown fields are dropped; everything
// else is checked strictly, since the sender is a program that can fix what the 400 names.
import * as v from 'valibot';
import { amount, currency, email, identifier, text } from './fields.ts';
import { isCurrencyCode } from './currencies.ts';

// Limits of the shop API (docs/shop-server.md "Shop server API", limits table).
export const MAX_BATCH_ITEMS = 500;
const MAX_PRODUCTS_PER_EVENT = 1000;
const MAX_QUANTITY = 1_000_000;
/**
 * The oldest order date accepted, and how far ahead of the worker's clock. SALESmanago takes event
 * dates as Unix milliseconds of 13 digits (official SDK `src/Entity/Event/Event.php:53`, "unixtimestamp
 * - 13 numbers"; the simulator's `test/simulator/validation.ts` refuses others for good), so the first
 * date it takes is 10^12 ms, 2001-09-09T01:46:40Z: an earlier one would be accepted and then fail.
 */
const OCCURRED_AT_EARLIEST = 1e12;
const OCCURRED_AT_EARLIEST_TEXT = '2001-09-09T01:46:40Z';
const OCCURRED_AT_FUTURE_MS = 24 * 3600 * 1000;

/** A money amount of an order: a number, never negative. */
const money = v.pipe(amount, v.minValue(0, 'must not be negative'));

/** Three letters, any case (pln is PLN), and an ISO 4217 currency. */
const isoCurrency = v.pipe(currency, v.check(isCurrencyCode, 'must be an ISO 4217 currency code, e.g. PLN or EUR'));

const orderProduct = v.object(
  {
    id: identifier(128),
    name: v.nullish(text(255)),
    quantity: v.pipe(
      v.number('must be a number'),
      v.finite('must be a finite number'),
      v.integer('must be a whole number'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
    ),
    price: v.nullish(money),
  },
  'must be an object',
);

const orderProducts = v.pipe(
  v.array(orderProduct, 'must be an array of products'),
  v.minLength(1, 'must contain at least one product'),
  v.maxLength(MAX_PRODUCTS_PER_EVENT, `must contain at most ${MAX_PRODUCTS_PER_EVENT} products`),
);

const occurredAt = v.pipe(
  v.string('must be an ISO 8601 timestamp string'),
  v.trim(),
  v.isoTimestamp('must be an ISO 8601 timestamp with seconds and a time zone, e.g. 2026-11-20T14:03:00+01:00'),
  v.transform((s) => Date.parse(s)),
  v.check((ms) => Number.isFinite(ms), 'must be a real date and time'),
  // SALESmanago refuses dates outside its range, and one refused item must not be accepted at all.
  v.check((ms) => ms >= OCCURRED_AT_EARLIEST, `must not be before ${OCCURRED_AT_EARLIEST_TEXT} (SALESmanago takes 13-digit millisecond dates)`),
  v.check((ms) => ms <= Date.now() + OCCURRED_AT_FUTURE_MS, 'must not be more than 24 hours in the future'),
);

// Contact fields beyond the basics (SDK `Model/ContactModel.php:171-208` sends them). Limits where
// SALESmanago documents none are safe lengths, listed in docs/shop-server.md "Shop server API".
const CONTACT_LIMITS = {
  externalId: 255,
  street: 255,
  zipCode: 32,
  city: 128,
  country: 64,
  propertyName: 255,
  propertyValue: 255,
  properties: 50,
  tags: 100,
  tag: 255,
  consents: 20,
} as const;

const birthday = v.pipe(
  v.string('must be a date string YYYY-MM-DD'),
  v.trim(),
  v.isoDate('must be a date YYYY-MM-DD, e.g. 1990-05-21'),
  v.check((s) => {
    const ms = Date.parse(`${s}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(s) && s >= '1900-01-01' && ms <= Date.now();
  }, 'must be a real date between 1900-01-01 and today'),
);

const tagNames = v.pipe(
  v.array(text(CONTACT_LIMITS.tag), 'must be an array of tag names'),
  v.maxLength(CONTACT_LIMITS.tags, `must contain at most ${CONTACT_LIMITS.tags} tags`),
);

const address = v.nullish(
  v.object(
    {
      street: v.nullish(text(CONTACT_LIMITS.street)),
      zipCode: v.nullish(text(CONTACT_LIMITS.zipCode)),
      city: v.nullish(text(CONTACT_LIMITS.city)),
      country: v.nullish(text(CONTACT_LIMITS.country)),
    },
    'must be an object {street, zipCode, city, country}',
  ),
);

const properties = v.nullish(
  v.pipe(
    v.unknown(),
    v.check((x) => typeof x === 'object' && x !== null && !Array.isArray(x), 'must be an object of string values'),
    v.record(
      v.pipe(
        v.string(),
        v.trim(),
        v.minLength(1, 'property names must not be empty'),
        v.maxLength(CONTACT_LIMITS.propertyName, `property names must be at most ${CONTACT_LIMITS.propertyName} characters`),
      ),
      v.pipe(
        v.string('property values must be strings'),
        v.maxLength(CONTACT_LIMITS.propertyValue, `property values must be at most ${CONTACT_LIMITS.propertyValue} characters`),
      ),
      'must be an object of string values',
    ),
    v.check((r) => Object.keys(r).length <= CONTACT_LIMITS.properties, `must have at most ${CONTACT_LIMITS.properties} properties`),
  ),
);

const order = {
  orderId: identifier(128),
  email,
  loggedIn: v.nullish(v.boolean('must be true or false')),
  name: v.nullish(text(200)),
  phone: v.nullish(text(50)),
  lang: v.nullish(v.pipe(text(16), v.regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'must be a language code, e.g. pl or en-GB'))),
  value: money,
  currency: isoCurrency,
  products: orderProducts,
  occurredAt,
  paymentMethod: v.nullish(text(100)),
  shippingMethod: v.nullish(text(100)),
  // The buyer's contact data, upserted with the order (the shop's customer id, billing address...).
  customerId: v.nullish(identifier(CONTACT_LIMITS.externalId)),
  address,
  birthday: v.nullish(birthday),
  properties,
};

export const shopEventSchema = v.variant(
  'type',
  [
    // returnId identifies a return; on a purchase or cancellation it is not part of the identity.
    v.object({ type: v.picklist(['purchase', 'cancellation']), ...order, returnId: v.nullish(identifier(128)) }),
    v.object({ type: v.literal('return'), ...order, returnId: identifier(128) }),
  ],
  'must be one of purchase, return, cancellation',
);

/**
 * Proof of where the consent statements of a request were made (consent/proof.ts): the person's IP and
 * browser user agent as the shop saw them, and the version of the consent text for newsletter/sms.
 * Once per request, top level; recorded with the proof only, never sent to SALESmanago.
 */
const statementProof = {
  ip: v.nullish(v.pipe(text(64), v.regex(/^[0-9A-Fa-f:.]+$/, 'must be an IPv4 or IPv6 address'))),
  userAgent: v.nullish(text(512)),
  version: v.nullish(text(64)),
};

export const shopContactSchema = v.object({
  ...statementProof,
  email,
  name: v.nullish(text(200)),
  phone: v.nullish(text(50)),
  company: v.nullish(text(200)),
  lang: order.lang,
  newsletter: v.nullish(v.picklist(['subscribe', 'unsubscribe'], 'must be "subscribe" or "unsubscribe"')),
  /** Mobile (SMS) marketing consent: the phone pair only, independent of the newsletter. */
  sms: v.nullish(v.picklist(['subscribe', 'unsubscribe'], 'must be "subscribe" or "unsubscribe"')),
  trigger: v.nullish(v.picklist(['registration', 'newsletter', 'login', 'update'], 'must be one of registration, newsletter, login, update')),
  externalId: v.nullish(identifier(CONTACT_LIMITS.externalId)),
  address,
  birthday: v.nullish(birthday),
  properties,
  removeTags: v.nullish(tagNames),
  previousEmail: v.nullish(email),
  consents: v.nullish(
    v.pipe(
      v.array(
        v.object(
          {
            name: v.pipe(text(255), v.minLength(1, 'must not be empty')),
            accepted: v.boolean('must be true or false'),
            at: occurredAt,
            /** The version of the consent text the person saw (proof, consent/proof.ts). */
            version: v.nullish(text(64)),
          },
          'must be an object {name, accepted, at, version?}',
        ),
        'must be an array of {name, accepted, at, version?}',
      ),
      v.maxLength(CONTACT_LIMITS.consents, `must contain at most ${CONTACT_LIMITS.consents} consents`),
    ),
  ),
});

/** The batch envelope; each item is then checked against the event or contact schema by its kind. */
export const shopBatchSchema = v.object({
  items: v.pipe(
    v.array(v.looseObject({ kind: v.picklist(['event', 'contact'], 'must be "event" or "contact"') }), 'must be an array of items'),
    v.minLength(1, 'must contain at least one item'),
    v.maxLength(MAX_BATCH_ITEMS, `must contain at most ${MAX_BATCH_ITEMS} items per batch`),
  ),
  /**
   * History (npm run import, docs/import-and-recovery.md): old orders and contacts, sent as the official
   * plugin's export sends them: no tags, no consent change, no double opt-in, the orders' own dates.
   */
  history: v.nullish(v.boolean('must be true or false')),
});

export type ShopEventInput = v.InferOutput<typeof shopEventSchema>;
export type ShopContactInput = v.InferOutput<typeof shopContactSchema>;
