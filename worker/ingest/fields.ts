// Field schemas shared by the browser beacon and the shop API, with messages that say what is expected.
import * as v from 'valibot';
import { emailMessage, emailProblem } from '../contact/email.ts';

/** Free text from a program (shop server): refused when too long. */
export const text = (max: number) =>
  v.pipe(v.string('must be a string'), v.trim(), v.maxLength(max, `must be at most ${max} characters`));

/** Free text typed or captured in a browser: cut to `max` rather than losing the whole beacon. */
export const clippedText = (max: number) =>
  v.pipe(v.string('must be a string'), v.trim(), v.transform((s) => s.slice(0, max)));

// An unpaired UTF-16 surrogate (possible via "\ud800" in JSON) cannot be stored as UTF-8 faithfully;
// in an identifier it would make distinct ids equal.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Identifiers that shops often keep as numbers (order ids, product ids). */
export const identifier = (max: number) =>
  v.pipe(
    v.union([v.string(), v.pipe(v.number(), v.finite())], 'must be a string or a number'),
    v.transform((x) => String(x).trim()),
    v.minLength(1, 'must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
    v.check((s) => !LONE_SURROGATE.test(s) && !s.includes('\u0000'), 'must be valid text (no unpaired surrogates or NUL)'),
  );

/** The one e-mail rule (worker/contact/email.ts), as a field: trimmed, lower-cased, the problem named. */
export const email = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = emailProblem(dataset.value);
    if (problem !== null) addIssue({ message: emailMessage(problem) });
  }),
  v.toLowerCase(),
);

export const amount = v.pipe(v.number('must be a number'), v.finite('must be a finite number'));

export const currency = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.toUpperCase(),
  v.regex(/^[A-Z]{3}$/, 'must be a 3-letter currency code, e.g. PLN'),
);

const productOf = (name: ReturnType<typeof text> | ReturnType<typeof clippedText>) => v.object({
  id: identifier(128),
  name: v.nullish(name),
  quantity: v.pipe(v.number('must be a number'), v.finite('must be a finite number'), v.gtValue(0, 'must be greater than 0')),
  price: v.nullish(v.pipe(amount, v.minValue(0, 'must not be negative'))),
});

/** Product lines; `clipNames` for browser input, where a long name is cut rather than refused. */
export const products = (max: number, clipNames = false) =>
  v.pipe(
    v.array(productOf(clipNames ? clippedText(255) : text(255)), 'must be an array of products'),
    v.minLength(1, 'must contain at least one product'),
    v.maxLength(max, `must contain at most ${max} products`),
  );
