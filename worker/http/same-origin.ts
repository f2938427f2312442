// Cross-site guard of the password-protected JSON actions (/admin; /setup's forms use hono's csrf()).
import type { MiddlewareHandler } from 'hono';
import { Forbidden } from '../errors.ts';

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
      throw new Forbidden('cross-site request refused: use the setup page or call this from a script');
    }
  }
  await next();
};
