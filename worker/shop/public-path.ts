// First-party mode (README "First-party mode"): the tracker and its endpoint also under a path of
// the shop's own origin, PUBLIC_PATH_PREFIX (e.g. "/_e"), reached through a Cloudflare route on the
// shop's zone or the shop's reverse proxy. Only the tracker files and the beacon endpoint are there;
// no other route moves, and the unprefixed /s.js and /e keep working. A script at <prefix>/s.js
// posts to <prefix>/e on its own (tracker/src/config.ts).

/** One or more path segments of letters, digits, "_", "-" or ".", without a trailing "/". */
const PREFIX = /^(\/[A-Za-z0-9_.-]+)+$/;

/** Words that ad-blocking filter lists match in paths; a prefix holding one gets blocked. */
export const FILTERED_WORDS = /track|analytic|collect|pixel|beacon/i;

/** The tracker files (tracker variants, rollup.config.mjs), the beacon endpoint and cart-recovery links
 *  (on the shop's own origin, the smclient cookie a link sets is the shop's). */
const PUBLIC_PATH = /^\/(s(?:\.[a-z]+)?\.js|e|r\/[A-Za-z0-9_.-]+)$/;

/** Why a PUBLIC_PATH_PREFIX value cannot be used, or null when it can (empty = off). */
export function publicPathProblem(value: string | undefined): string | null {
  const v = (value ?? '').trim();
  if (!v) return null;
  if (!PREFIX.test(v)) return 'must be a path such as "/_e": starting with "/", no trailing "/", only letters, digits, "_", "-", "."';
  if (FILTERED_WORDS.test(v)) return `contains "${FILTERED_WORDS.exec(v)![0]}", which ad blockers' filter lists match: choose a neutral name`;
  return null;
}

/** The usable prefix, or '' (off, or an invalid value: /health and /setup name the problem). */
export function publicPrefix(value: string | undefined): string {
  return publicPathProblem(value) === null ? (value ?? '').trim() : '';
}

/** For a path under the prefix that is public there, the path it stands for (/s.js, /e, /r/<token>);
 *  otherwise null. */
export function unprefixedPath(pathname: string, prefix: string): string | null {
  if (!prefix || !pathname.startsWith(prefix + '/')) return null;
  const rest = pathname.slice(prefix.length);
  return PUBLIC_PATH.test(rest) ? rest : null;
}
