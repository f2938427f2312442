// POST /e's pipeline (docs/contracts.md "Beacon format"), the one function routes/ingest.ts calls.
// Queue-first: check the shape and the visitor's limit, then send the beacon's events as one queue
// message; the consumer writes their ledger rows (D1 is a single writer, so a write per beacon would
// cap the whole collector). Invalid events are answered by index and dropped; the valid ones of the
// same beacon are accepted. A refusal is thrown (worker/errors.ts); bot counting runs after the answer.
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { InvalidRequest, RateLimited, Unavailable } from '../errors.ts';
import { ledgerOfKey } from '../ledger/databases.ts';
import { visitorKey } from '../queue/shards.ts';
import { contactIdOfVisitor } from '../ledger/visitors.ts';
import { logError } from '../log.ts';
import { packMessages, sendPacked } from '../queue/send.ts';
import { acceptBeacon, markKnownOptOuts } from './beacon.ts';
import { checkBeacon, CONTACT_ID, type RejectedEvent } from './beacon-schema.ts';
import { isBotUserAgent } from './bots.ts';
import { BOT_BEACONS, countDroppedLater } from './counters.ts';

export interface BeaconRequest {
  receivedAt: number;
  /** CF-Connecting-IP: the proof of a newsletter signup (absent in local development). */
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** The JSON body, read only for a beacon that is not a bot's (http/json.ts throws a 400). */
  body: () => Promise<unknown>;
  /** Whether the visitor is within its limit (RATE_LIMIT_VISITOR, http/rate-limit.ts). */
  visitorWithinLimit: (visitor: string) => Promise<boolean>;
  /** Receives the work that must not delay the answer (the bot counter). */
  later: Promise<unknown>[];
}

/** The 202 answer: how many events were accepted, which were not and why, and the visitor's contactId. */
export interface BeaconReply {
  accepted: number;
  rejected: RejectedEvent[];
  contactId?: string;
}

export async function collectBeacon(env: Env, config: Config, request: BeaconRequest): Promise<BeaconReply> {
  const { receivedAt, ip, userAgent } = request;
  // After the IP limit (the route's): a bot user agent is no way around the limit (issue 10 item 5).
  if (isBotUserAgent(userAgent)) {
    const write = countDroppedLater(env.LEDGER, BOT_BEACONS, 1, receivedAt);
    if (write) request.later.push(write);
    return { accepted: 0, rejected: [] };
  }
  const checked = checkBeacon(await request.body());
  if (!checked.ok) throw new InvalidRequest(checked.error);
  const { beacon, rejected } = checked;
  if (!(await request.visitorWithinLimit(beacon.visitor))) throw new RateLimited('too many requests from this visitor; retry later', 60);

  const events = await acceptBeacon(beacon, { receivedAt, shopApiSecret: config.shopApiSecret });
  // A newsletter signup carries its proof (the consumer records it: consent/proof.ts): the IP and
  // user agent of the browser that made it.
  for (const e of events) {
    if (e.type !== 'newsletter') continue;
    if (ip) e.ip = ip;
    if (userAgent) e.userAgent = userAgent.slice(0, 512);
  }
  await markKnownOptOuts(env.CONSENTS, events);
  const packed = packMessages(events.map((event) => ({ kind: 'event' as const, event })));
  // A visitor who already has the smclient cookie needs no lookup; otherwise it runs alongside the send.
  const [refused, contactId] = await Promise.all([
    sendPacked(env.EVENTS, packed),
    beacon.contactId ? Promise.resolve(undefined) : knownContactId(env, config.ledgerDatabases, beacon.visitor),
  ]);
  if (refused.length > 0) {
    // Nothing was recorded anywhere (the ledger rows are the consumer's), so the client must retry.
    // Nothing is lost: the tracker keeps the events in its outbox until a 2xx and sends the same ids
    // again; should the send have gone through after all, the consumer dedupes them by ledger id.
    throw new Unavailable('the event queue is temporarily unavailable; nothing was accepted, retry later', 30);
  }
  // The tracker puts it into the smclient cookie as it is: only an id-shaped one (no ";domain=…")
  // is answered, whichever way it reached visitor_links (a cookie, a SALESmanago answer).
  return { accepted: beacon.events.length, rejected, ...(contactId && CONTACT_ID.test(contactId) ? { contactId } : {}) };
}

/** The SALESmanago contactId the consumer linked to this visitor, in the visitor's ledger database (its
 *  links were written under its routing key, queue/shards.ts visitorKey). Only a courtesy for the
 *  tracker's cookie: if D1 cannot answer, the beacon is still accepted, without it. */
async function knownContactId(env: Env, ledgers: number, visitor: string): Promise<string | undefined> {
  try {
    return await contactIdOfVisitor(ledgerOfKey(env, ledgers, visitorKey(visitor)), visitor);
  } catch (err) {
    logError('visitor contactId lookup failed', {}, err);
    return undefined;
  }
}
