// POST /e: beacons from the storefront tracker (docs/contracts.md "Beacon format"). The route checks
// origin, size and the IP's limit, then hands the request to ingest/collect.ts, which answers what was
// accepted or throws the refusal (worker/errors.ts, answered by app.onError).
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { RateLimited } from '../errors.ts';
import { inBackground } from '../http/background.ts';
import { limitBody, MAX_BEACON_BYTES } from '../http/body-limits.ts';
import { readJson } from '../http/json.ts';
import { withinLimit } from '../http/rate-limit.ts';
import { shopCors, shopOriginOnly } from '../http/shop-origin.ts';
import { collectBeacon } from '../ingest/collect.ts';

export const ingest = new Hono<AppEnv>();

// CORS answers (preflight included) only for registered origins; others get no Access-Control headers.
ingest.use('*', shopCors({ allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type'], maxAge: 86400 }));

ingest.post('/', shopOriginOnly, limitBody(MAX_BEACON_BYTES), async (c) => {
  const receivedAt = Date.now();
  // Set by Cloudflare on every request; absent only in local development, where it is not limited.
  const ip = c.req.header('CF-Connecting-IP');
  if (ip && !(await withinLimit(c.env.RATE_LIMIT_IP, `ip:${ip}`))) throw new RateLimited('too many requests from this IP address; retry later', 60);
  const later: Promise<unknown>[] = [];
  const reply = await collectBeacon(c.env, c.var.config, {
    receivedAt,
    ip,
    userAgent: c.req.header('User-Agent'),
    body: () => readJson(c),
    visitorWithinLimit: (visitor) => withinLimit(c.env.RATE_LIMIT_VISITOR, `visitor:${visitor}`),
    later,
  });
  // Handed to waitUntil; awaited only in-process, where there is no execution context (http/background.ts).
  if (later.length > 0) await inBackground(c, later);
  return c.json(reply, 202);
});
