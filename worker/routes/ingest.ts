// POST /e: beacons from the storefront tracker (docs/contracts.md "Beacon format"). Queue-first: the request path only
// checks origin, size, limits and shape, then sends the beacon's events as one queue message; the
// consumer writes their ledger rows (D1 is a single writer, so a write per beacon would cap the whole
// collector). Invalid events are answered by index and dropped; the valid ones of the same beacon are
// accepted. Bot counting happens after the answer (waitUntil).
import { contactIdOfVisitor } from '../ledger/visitors.ts';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.ts';
import { inBackground } from '../http/background.ts';
import { withConfig } from '../http/config.ts';
import { readJson } from '../http/json.ts';
import { shopCors, shopOriginOnly } from '../http/shop-origin.ts';
import { acceptBeacon, markKnownOptOuts } from '../ingest/beacon.ts';
import { checkBeacon, CONTACT_ID } from '../ingest/beacon-schema.ts';
import { isBotUserAgent } from '../ingest/bots.ts';
import { BOT_BEACONS, countDroppedLater } from '../ingest/counters.ts';
import { packMessages, sendPacked } from '../queue/send.ts';
import { withinLimit } from '../http/rate-limit.ts';
import { logError } from '../log.ts';

const MAX_BEACON_BYTES = 32 * 1024;

function tooMany(c: Context<AppEnv>, what: string) {
  c.header('Retry-After', '60');
  return c.json({ error: `too many requests from this ${what}; retry later` }, 429);
}

export const ingest = new Hono<AppEnv>();

ingest.use(withConfig);
// CORS answers (preflight included) only for registered origins; others get no Access-Control headers.
ingest.use('*', shopCors({ allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type'], maxAge: 86400 }));

ingest.post(
  '/',
  shopOriginOnly,
  bodyLimit({
    maxSize: MAX_BEACON_BYTES,
    onError: (c) => c.json({ error: `body is larger than ${MAX_BEACON_BYTES / 1024} KB` }, 413),
  }),
  async (c) => {
    const receivedAt = Date.now();
    // Limit first: a bot user agent is no way around the limit (issue 10 item 5).
    // Set by Cloudflare on every request; absent only in local development, where it is not limited.
    const ip = c.req.header('CF-Connecting-IP');
    if (ip && !(await withinLimit(c.env.RATE_LIMIT_IP, `ip:${ip}`))) return tooMany(c, 'IP address');
    if (isBotUserAgent(c.req.header('User-Agent'))) {
      const write = countDroppedLater(c.env.LEDGER, BOT_BEACONS, 1, receivedAt);
      if (write) inBackground(c, write);
      return c.json({ accepted: 0, rejected: [] }, 202);
    }

    const json = await readJson(c);
    if (!json.ok) return c.json({ error: json.error }, 400);
    const checked = checkBeacon(json.value);
    if (!checked.ok) return c.json({ error: checked.error }, 400);
    const { beacon, rejected } = checked;
    if (!(await withinLimit(c.env.RATE_LIMIT_VISITOR, `visitor:${beacon.visitor}`))) return tooMany(c, 'visitor');

    const events = await acceptBeacon(beacon, { receivedAt, shopApiSecret: c.var.config.shopApiSecret });
    // A newsletter signup carries its proof (the consumer records it: consent/proof.ts): the IP and
    // user agent of the browser that made it.
    const userAgent = c.req.header('User-Agent');
    for (const e of events) {
      if (e.type !== 'newsletter') continue;
      if (ip) e.ip = ip;
      if (userAgent) e.userAgent = userAgent.slice(0, 512);
    }
    await markKnownOptOuts(c.env.CONSENTS, events);
    const packed = packMessages(events.map((event) => ({ kind: 'event' as const, event })));
    // A visitor who already has the smclient cookie needs no lookup; otherwise it runs alongside the send.
    const [refused, contactId] = await Promise.all([
      sendPacked(c.env.EVENTS, packed),
      beacon.contactId ? Promise.resolve(undefined) : knownContactId(c.env.LEDGER, beacon.visitor),
    ]);
    if (refused.length > 0) {
      // Nothing was recorded anywhere (the ledger rows are the consumer's), so the client must retry.
      // Nothing is lost: the tracker keeps the events in its outbox until a 2xx and sends the same ids
      // again; should the send have gone through after all, the consumer dedupes them by ledger id.
      c.header('Retry-After', '30');
      return c.json({ error: 'the event queue is temporarily unavailable; nothing was accepted, retry later' }, 503);
    }
    // The tracker puts it into the smclient cookie as it is: only an id-shaped one (no ";domain=…")
    // is answered, whichever way it reached visitor_links (a cookie, a SALESmanago answer).
    const answer = contactId && CONTACT_ID.test(contactId) ? { contactId } : {};
    return c.json({ accepted: beacon.events.length, rejected, ...answer }, 202);
  },
);

/** The SALESmanago contactId the consumer linked to this visitor. Only a courtesy for the tracker's
 *  cookie: if D1 cannot answer, the beacon is still accepted, without it. */
async function knownContactId(db: D1Database, visitor: string): Promise<string | undefined> {
  try {
    return await contactIdOfVisitor(db, visitor);
  } catch (err) {
    logError('visitor contactId lookup failed', {}, err);
    return undefined;
  }
}
