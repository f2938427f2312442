// Field schemas shared by the browser beacon and the shop API, with messages that say what is expected.
import * as v from 'valibot';
import { emailMessage, emailProblem } from '../contact/email.ts';

/** Free text from a program (shop server): refused when too long. */
export const text = (max: number) => v.pipe(v.string('must be a string'), v.trim(), v.maxLength(max, `must be at most ${max} characters`));

/** Free text typed or captured in a browser: cut to `max` rather than losing the whole beacon. */
export const clippedText = (max: number) =>
  v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.transform((s) => s.slice(0, max)),
  );

// An unpaired UTF-16 surrogate (possible via "\ud800" in JSON) cannot be stored as UTF-8 faithfully;
// in an identifier it would make distinct ids equal.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Identifiers that shops often keep as numbers (order ids, product ids). */
/**
 * An id a shop may keep as a number: a JSON number above 2^53 has already lost its last digits when
 * it is parsed (9007199261441100001 reads as 9007199261441100000), so it is refused, not rounded.
 */
const exactNumber = v.pipe(
  v.number(),
  v.finite(),
  v.check((x) => Number.isSafeInteger(x) || !Number.isInteger(x), 'is a number too large to be exact (above 2^53): send it as a string'),
);

export const identifier = (max: number) =>
  v.pipe(
    v.union([v.string(), exactNumber], 'must be a string or a number'),
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

export const currency = v.pipe(v.string('must be a string'), v.trim(), v.toUpperCase(), v.regex(/^[A-Z]{3}$/, 'must be a 3-letter currency code, e.g. PLN'));
