// Beacons come only from the shop's own pages (SHOP_DOMAINS, parsed in c.var.config): the origin
// check, and the CORS answers that go with it. The matching rule is shop/origin.ts.
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { Forbidden } from '../errors.ts';
import { isShopOrigin, requestOrigin } from '../shop/origin.ts';

/** 403 unless the Origin (else Referer) header is a page of one of the shop's domains. */
export const shopOriginOnly = createMiddleware<AppEnv>(async (c, next) => {
  const origin = requestOrigin(c.req.header('Origin'), c.req.header('Referer'));
  if (!origin) throw new Forbidden("Origin (or Referer) header is missing: beacons are accepted only from the shop's pages");
  if (!isShopOrigin(origin, c.var.config.shopDomains)) {
    throw new Forbidden(`origin ${origin} is not one of the registered shop domains (SHOP_DOMAINS)`);
  }
  await next();
});

/** CORS answers (preflight included) only for the shop's origins; others get no Access-Control headers. */
export const shopCors = (options: { allowMethods: string[]; allowHeaders: string[]; maxAge: number }) =>
  cors({
    // The normalised origin that passed the check, never the raw header (issue 10 item 13).
    origin: (origin, c) => {
      const normalised = requestOrigin(origin, undefined);
      return isShopOrigin(normalised, c.var.config.shopDomains) ? normalised : null;
    },
    ...options,
  });
