// Guards of the password-protected routes (/admin, /setup): cross-site requests and password guessing.
import type { Context, MiddlewareHandler } from 'hono';
import { withinLimit } from '../ingest/rate-limit.ts';
import type { Env } from '../env.ts';

/**
 * Refuses a state-changing request that a browser sent from another site (issue 10 item 9): an
 * Origin header that is not the worker's own, or a Sec-Fetch-Site other than same-origin / none.
 * Like hono's csrf() for forms, but a request with neither header (curl, `npm run replay`) is not a
 * browser's cross-site request and is let through; it still needs the password.
 */
export const sameOriginWrites: MiddlewareHandler = async (c, next) => {
  if (!/^(GET|HEAD|OPTIONS)$/.test(c.req.method)) {
    const origin = c.req.header('Origin');
    const site = c.req.header('Sec-Fetch-Site');
    const own = new URL(c.req.url).origin;
    if ((origin !== undefined && origin !== own) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      return c.json({ error: 'cross-site request refused: use the setup page or call this from a script' }, 403);
    }
  }
  await next();
};

/** Requests with credentials per IP and minute (RATE_LIMIT_AUTH in wrangler.toml). */
export const AUTH_ATTEMPTS_PER_MINUTE = 30;

/**
 * Limits password attempts per IP (issue 10 item 10). Every request that carries credentials counts,
 * right or wrong: counting only failures would still answer the one right guess with a 200 from an
 * instance that has not seen the failures. A person using the setup page stays far below the limit.
 */
export const authAttemptLimit: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  // Set by Cloudflare on every request; absent only in local development, where it is not limited (as POST /e).
  const ip = c.req.header('CF-Connecting-IP');
  if (ip && c.req.header('Authorization') !== undefined) {
    if (!(await withinLimit(c.env.RATE_LIMIT_AUTH, `auth:${ip}`))) return tooManyAttempts(c);
  }
  await next();
};

function tooManyAttempts(c: Context) {
  c.header('Retry-After', '60');
  return c.json({ error: 'too many password attempts from this IP address; retry in a minute' }, 429);
}
