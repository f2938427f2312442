// One event of contract A: the command's argument as given (the collector coerces it, keeps only the
// fields it knows, and refuses what it cannot use), plus a unique id, the client time and the page.
// The argument is copied through JSON: later changes the shop makes to its object are not sent, and
// an argument JSON cannot carry (a BigInt, a cycle) throws here, in the one call, not in a batch.
import { d } from './env';
import { rid } from './identity';
import { clean } from './url';

/** Short keys (they are strings the minifier cannot shorten): i id, k type, t time (ms), u url, h title, r referrer. */
export type Ev = { i: string; k: string; t: number; u: string; [field: string]: unknown };

export const ev = (type: string, a?: unknown): Ev => ({
  ...JSON.parse(JSON.stringify(a ?? 0)),
  i: rid(),
  k: type,
  t: Date.now(),
  u: clean(location.href),
  h: d.title,
  r: clean(d.referrer),
});
