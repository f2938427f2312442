// POST /e: beacons from the storefront tracker (contracts.md A). Does as little as possible on the
// request path: check origin, size, limits and shape, then one D1 batch (ledger rows + the visitor's
// contactId) and one queue message carrying all the beacon's new events. Invalid events are answered
// by index and dropped; the valid ones of the same beacon are accepted. Bot counting happens after the
// answer (waitUntil).
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { acceptBeacon } from '../ingest/beacon.ts';
import { checkBeacon, CONTACT_ID } from '../ingest/beacon-schema.ts';
import { isBotUserAgent } from '../ingest/bots.ts';
import { BOT_BEACONS, countDropped } from '../ingest/counters.ts';
import { enqueue } from '../ingest/enqueue.ts';
import { isShopOrigin, requestOrigin, shopDomains } from '../ingest/origin.ts';
import { withinLimit } from '../ingest/rate-limit.ts';
import { inBackground, ledgerUnavailable, readJson } from '../ingest/request.ts';

export const MAX_BEACON_BYTES = 32 * 1024;

const shopOriginOnly = createMiddleware<AppEnv>(async (c, next) => {
  const origin = requestOrigin(c.req.header('Origin'), c.req.header('Referer'));
  if (!origin) return c.json({ error: 'Origin (or Referer) header is missing: beacons are accepted only from the shop\'s pages' }, 403);
  if (!isShopOrigin(origin, shopDomains(c.env.SHOP_DOMAINS))) {
    return c.json({ error: `origin ${origin} is not one of the registered shop domains (SHOP_DOMAINS)` }, 403);
  }
  await next();
});

function tooMany(c: Context<AppEnv>, what: string) {
  c.header('Retry-After', '60');
  return c.json({ error: `too many requests from this ${what}; retry later` }, 429);
}

export const ingest = new Hono<AppEnv>();

// CORS answers (preflight included) only for registered origins; others get no Access-Control headers.
ingest.use(
  '*',
  cors({
    origin: (origin, c) => (isShopOrigin(requestOrigin(origin, undefined), shopDomains(c.env.SHOP_DOMAINS)) ? origin : null),
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['Content-Type'],
    maxAge: 86400,
  }),
);

ingest.post(
  '/',
  shopOriginOnly,
  bodyLimit({
    maxSize: MAX_BEACON_BYTES,
    onError: (c) => c.json({ error: `body is larger than ${MAX_BEACON_BYTES / 1024} KB` }, 413),
  }),
  async (c) => {
    const receivedAt = Date.now();
    if (isBotUserAgent(c.req.header('User-Agent'))) {
      inBackground(c, countDropped(c.env.LEDGER, BOT_BEACONS, 1, receivedAt));
      return c.json({ accepted: 0, rejected: [] }, 202);
    }
    // Set by Cloudflare on every request; absent only in local development, where it is not limited.
    const ip = c.req.header('CF-Connecting-IP');
    if (ip && !(await withinLimit(c.env.RATE_LIMIT_IP, `ip:${ip}`))) return tooMany(c, 'IP address');

    const json = await readJson(c);
    if (!json.ok) return c.json({ error: json.error }, 400);
    const checked = checkBeacon(json.value);
    if (!checked.ok) return c.json({ error: checked.error }, 400);
    const { beacon, rejected } = checked;
    if (!(await withinLimit(c.env.RATE_LIMIT_VISITOR, `visitor:${beacon.visitor}`))) return tooMany(c, 'visitor');

    const events = await acceptBeacon(beacon, { receivedAt, shopApiSecret: c.env.SHOP_API_SECRET });
    try {
      const result = await enqueue(c.env, events.map((event) => ({ kind: 'event' as const, event })), {
        now: receivedAt,
        alongside: [
          c.env.LEDGER.prepare('SELECT contact_id FROM visitor_links WHERE visitor_id = ? AND contact_id IS NOT NULL').bind(beacon.visitor),
        ],
      });
      const contactId = (result.alongside[0]?.results[0] as { contact_id?: string } | undefined)?.contact_id;
      // The tracker puts it into the smclient cookie as it is: only an id-shaped one (no ";domain=…")
      // is answered, whichever way it reached visitor_links (a cookie, a SALESmanago answer).
      const answer = contactId && CONTACT_ID.test(contactId) ? { contactId } : {};
      return c.json({ accepted: beacon.events.length, rejected, ...answer }, 202);
    } catch (err) {
      return ledgerUnavailable(c, err);
    }
  },
);
