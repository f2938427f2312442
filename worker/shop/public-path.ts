// First-party mode (docs/theme.md "First-party mode"): the tracker and its endpoint also under a path of
// the shop's own origin, PUBLIC_PATH_PREFIX (e.g. "/_e"), reached through a Cloudflare route on the
// shop's zone or the shop's reverse proxy. Only the tracker files and the beacon endpoint are there;
// no other route moves, and the unprefixed /s.js and /e keep working. A script at <prefix>/s.js
// posts to <prefix>/e on its own (tracker/src/config.ts).

/** One or more path segments of letters, digits, "_", "-" or ".", without a trailing "/". */
const PREFIX = /^(\/[A-Za-z0-9_.-]+)+$/;

/** Words that ad-blocking filter lists match in paths; a prefix holding one gets blocked. */
const FILTERED_WORDS = /track|analytic|collect|pixel|beacon/i;

/** The tracker files (tracker variants, rollup.config.mjs), the beacon endpoint, the monitoring code's
 *  loader (shop/monitoring.ts) and cart-recovery links (on the shop's own origin, the smclient cookie a
 *  link sets is the shop's). */
const PUBLIC_PATH = /^\/(s(?:\.[a-z]+)?\.js|e|m\.js|r\/[A-Za-z0-9_.-]+)$/;

/**
 * First path segments the worker answers itself (worker/index.ts, its static assets in dist/, and
 * /r, the recovery links): a prefix under one of them would shadow that route or be shadowed by it.
 */
const OWN_PATHS = ['setup', 'admin', 'api', 'hooks', 'callbacks', 'r', 'health', 'e', 'floor', 'openapi.json'] as const;
const OWN_ASSET = /^s(?:\.[a-z]+)?\.js$/;

/** Why a PUBLIC_PATH_PREFIX value cannot be used, or null when it can (empty = off). */
export function publicPathProblem(value: string | undefined): string | null {
  const v = (value ?? '').trim();
  if (!v) return null;
  if (!PREFIX.test(v)) return 'must be a path such as "/_e": starting with "/", no trailing "/", only letters, digits, "_", "-", "."';
  const first = v.split('/')[1]!.toLowerCase();
  if ((OWN_PATHS as readonly string[]).includes(first) || OWN_ASSET.test(first)) {
    return `must not start with "/${first}", a path of the worker itself: choose another name, e.g. "/_e"`;
  }
  if (FILTERED_WORDS.test(v)) return `contains "${FILTERED_WORDS.exec(v)![0]}", which ad blockers' filter lists match: choose a neutral name`;
  return null;
}

/** For a path under the prefix that is public there, the path it stands for (/s.js, /e, /r/<token>);
 *  otherwise null. */
export function unprefixedPath(pathname: string, prefix: string): string | null {
  if (!prefix || !pathname.startsWith(`${prefix}/`)) return null;
  const rest = pathname.slice(prefix.length);
  return PUBLIC_PATH.test(rest) ? rest : null;
}
