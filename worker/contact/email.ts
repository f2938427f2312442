// The ONE e-mail rule of the worker: shop API, beacons, consent API and SALESmanago's callbacks all
// check addresses here, so an address accepted on one path is never refused on another (a refused
// opt-out callback would be a consent lost). It follows what SALESmanago documents (docs/salesmanago-api.md
// §1.1: RFC-style, local part at most 64 characters, whole address at most 254) and RFC 5322's
// addr-spec: an unquoted local part is a dot-atom (no leading, trailing or consecutive dots); a quoted
// one may hold any printable ASCII. Not accepted (assumptions, docs/salesmanago.md "The SALESmanago side"):
// non-ASCII addresses (SMTPUTF8; an IDN domain is given in its xn-- form), domain literals
// ("a@[10.0.0.1]") and bare host names ("a@localhost"): SALESmanago cannot mail them.

/** RFC 5322 atext. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** RFC 5322 quoted-string without folding white space: qtext or a quoted-pair, printable ASCII. */
const QUOTED = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
/** An LDH label of at most 63 characters (xn-- labels included). */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const EMAIL_LIMITS = { local: 64, whole: 254 } as const;

/**
 * Null when `address` (already trimmed) is an e-mail address SALESmanago takes; otherwise why not:
 * '' when it simply is not one, or a precise reason ("at most 64 characters before the @").
 */
export function emailProblem(address: string): string | null {
  if (address.length === 0) return '';
  if (address.length > EMAIL_LIMITS.whole) return `at most ${EMAIL_LIMITS.whole} characters`;
  // eslint-disable-next-line no-control-regex
  const at = address.lastIndexOf('@');
  // Which part is not ASCII decides the advice: a domain has an ASCII (xn--) form, a local part has none.
  // eslint-disable-next-line no-control-regex
  if (/[^\x20-\x7e]/.test(address.slice(0, Math.max(at, 0))))
    return 'the part before the @ must be ASCII letters, digits or symbols (SALESmanago cannot mail addresses with other letters there)';
  // eslint-disable-next-line no-control-regex
  if (/[^\x20-\x7e]/.test(address)) return 'ASCII only (give an international domain in its xn-- form)';
  if (at <= 0 || at === address.length - 1) return '';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > EMAIL_LIMITS.local) return `at most ${EMAIL_LIMITS.local} characters before the @`;
  if (!DOT_ATOM.test(local) && !QUOTED.test(local)) {
    return /^\.|\.$|\.\./.test(local)
      ? 'no dot at the start or end of the part before the @, nor two dots in a row'
      : 'the part before the @ has characters that need quoting';
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1]!)) {
    return '';
  }
  return null;
}

/**
 * The form an address is kept and sent in: trimmed, lower-case (SALESmanago keys contacts case-insensitively).
 * Only for an address emailProblem accepted as received: lower-casing maps some non-ASCII letters
 * (the Kelvin sign U+212A) to ASCII ones, so checking after it would accept a different address.
 */
export function normaliseEmail(address: string): string {
  return address.trim().toLowerCase();
}

/** The problem as one message, e.g. "must be a valid e-mail address: at most 254 characters". */
export function emailMessage(problem: string, prefix = 'must be a valid e-mail address'): string {
  return problem ? `${prefix}: ${problem}` : prefix;
}
