// Field schemas for platform payloads. Platforms send far more than we read: objects are loose (extra
// keys kept, unread), and only the fields a mapper uses are typed, with messages naming what is wrong.
import * as v from 'valibot';

/** An id as platforms send them: a positive integer (WooCommerce, Shopify REST) or a non-empty string. */
export const platformId = v.union(
  [v.pipe(v.number(), v.integer(), v.minValue(0)), v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(128))],
  'must be an integer or a non-empty string id',
);

/** Money: WooCommerce and Shopify send decimal strings ("129.90"); numbers are taken too. */
export const money = v.pipe(
  v.union([v.number(), v.string()], 'must be a number or a decimal string'),
  v.transform((x) => (typeof x === 'string' ? (/^\s*-?\d+(\.\d+)?\s*$/.test(x) ? Number(x) : Number.NaN) : x)),
  v.check((n) => Number.isFinite(n), 'must be a number or a decimal string, e.g. "129.90"'),
);

export const optionalText = v.nullish(v.pipe(v.string('must be a string'), v.maxLength(10_000, 'is too long')));

/** WooCommerce's *_gmt dates: "2026-11-20T13:03:00" (UTC, no zone), or with a zone. */
export const optionalDate = v.nullish(
  v.pipe(v.string('must be a date string'), v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/, 'must be a date like 2026-11-20T13:03:00')),
);
