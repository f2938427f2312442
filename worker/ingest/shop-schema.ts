// Bodies of the shop server API (design.md "Shop server API"). Unknown fields are dropped; everything
// else is checked strictly, since the sender is a program that can fix what the 400 names.
import * as v from 'valibot';
import { amount, currency, email, identifier, products, text } from './fields.ts';

export const MAX_BATCH_ITEMS = 500;

const occurredAt = v.pipe(
  v.string('must be an ISO 8601 timestamp string'),
  v.trim(),
  v.isoTimestamp('must be an ISO 8601 timestamp with seconds and a time zone, e.g. 2026-11-20T14:03:00+01:00'),
  v.transform((s) => Date.parse(s)),
  v.check((ms) => Number.isFinite(ms), 'must be a real date and time'),
);

const order = {
  orderId: identifier(128),
  email,
  loggedIn: v.nullish(v.boolean('must be true or false')),
  name: v.nullish(text(200)),
  phone: v.nullish(text(50)),
  lang: v.nullish(v.pipe(text(16), v.regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'must be a language code, e.g. pl or en-GB'))),
  value: amount,
  currency,
  products: products(1000),
  occurredAt,
  paymentMethod: v.nullish(text(100)),
  shippingMethod: v.nullish(text(100)),
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

export const shopContactSchema = v.object({
  email,
  name: v.nullish(text(200)),
  phone: v.nullish(text(50)),
  company: v.nullish(text(200)),
  lang: order.lang,
  newsletter: v.nullish(v.picklist(['subscribe', 'unsubscribe'], 'must be "subscribe" or "unsubscribe"')),
  trigger: v.nullish(
    v.picklist(['registration', 'newsletter', 'login', 'update'], 'must be one of registration, newsletter, login, update'),
  ),
});

/** The batch envelope; each item is then checked against the event or contact schema by its kind. */
export const shopBatchSchema = v.object({
  items: v.pipe(
    v.array(
      v.looseObject({ kind: v.picklist(['event', 'contact'], 'must be "event" or "contact"') }),
      'must be an array of items',
    ),
    v.minLength(1, 'must contain at least one item'),
    v.maxLength(MAX_BATCH_ITEMS, `must contain at most ${MAX_BATCH_ITEMS} items per batch`),
  ),
});

export type ShopEventInput = v.InferOutput<typeof shopEventSchema>;
export type ShopContactInput = v.InferOutput<typeof shopContactSchema>;
