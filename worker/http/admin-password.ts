// The one password guard of /admin and /setup: HTTP Basic, any user name, password ADMIN_PASSWORD
// (from c.var.config), with password attempts limited per IP (RATE_LIMIT_AUTH).
import type { Context } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { RateLimited } from '../errors.ts';
import { passwordMatches } from '../identity/hmac.ts';
import { withinLimit } from './rate-limit.ts';

export interface AdminPasswordOptions<E extends AppEnv> {
  realm: string;
  /** The answer while ADMIN_PASSWORD is unset or too short (or a refusal it throws): the page or action stays locked, never open. */
  locked: (c: Context<E>) => Response | Promise<Response>;
  /** The 401 body (or a function of the request giving it, e.g. in the page's language); hono's plain-text "Unauthorized" when absent. */
  invalidUserMessage?: string | object | ((c: Context<E>) => string | object);
}

export const adminPassword = <E extends AppEnv = AppEnv>(options: AdminPasswordOptions<E>) =>
  createMiddleware<E>(async (c, next) => {
    const expected = c.get('config').adminPassword;
    if (!expected) return options.locked(c);
    // Every request that carries credentials counts, right or wrong (issue 10 item 10): counting only
    // failures would still answer the one right guess with a 200 from an instance that has not seen
    // the failures. A person using the setup page stays far below the limit. CF-Connecting-IP is set
    // by Cloudflare on every request; absent only in local development, where it is not limited.
    const ip = c.req.header('CF-Connecting-IP');
    if (ip && c.req.header('Authorization') !== undefined && !(await withinLimit(c.env.RATE_LIMIT_AUTH, `auth:${ip}`))) {
      throw new RateLimited('too many password attempts from this IP address; retry in a minute', 60);
    }
    const guard = basicAuth({
      realm: options.realm,
      verifyUser: (_user, given) => passwordMatches(given, expected),
      ...(options.invalidUserMessage === undefined
        ? {}
        : {
            invalidUserMessage:
              typeof options.invalidUserMessage === 'function'
                ? () => (options.invalidUserMessage as (c: Context<E>) => string | object)(c)
                : options.invalidUserMessage,
          }),
    });
    // basicAuth throws its 401 (an HTTPException), answered by app.onError like every refusal.
    return guard(c, next);
  });
