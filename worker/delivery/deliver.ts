// Delivery of one batch of events and contacts to SALESmanago, with as few calls as possible:
//   1. identity: visitor links from this batch; events of still-anonymous visitors are held, held
//      events of visitors identified now are released into this batch;
//   2. contacts: one batch upsert (<= 400 per call) for the contacts that need one, before any event;
//   3. CART: one open CART event per contact, updated in place (single add/update calls);
//   4. all other events: batch add (<= 400 per call).
// Every confirmed chunk is marked 'delivered' in the ledger at once, before anything else can fail,
// so a retry of the message can never send it again. Outcomes of the rest are written at the end.
import type { Config } from '../config.ts';
import type { SalesmanagoClient } from '../salesmanago/client.ts';
import { SalesmanagoError } from '../salesmanago/errors.ts';
import { CHUNK_SIZE } from '../salesmanago/limits.ts';
import type { ChunkResult, ContactRef, EventItem } from '../salesmanago/types.ts';
import { retryDelay } from './backoff.ts';
import {
  CART_SETTLE_S, cartKey, closeCarts, isEmptiedCart, latestKnownCart, openCart, openCarts, supersededCarts, touchCart,
} from './carts.ts';
import {
  claimDoubleOptIns, contactNeedOfEvent, contactNeedOfShopContact, mergeContactNeeds, normaliseEmail, plainContactNeed,
  releaseDoubleOptIns, withoutConsent, withoutDoubleOptIn, type ContactNeed,
} from './contacts.ts';
import {
  applyLinks, emailsOfContactIds, isIdentified, knownContacts, loadLinks, rememberContacts, resolveContact,
} from './visitors.ts';
import {
  expireOverflow, heldOf, markContactDone, markDelivered, recordOutcomes, startAttempt, type DeliveredRow, type RowOutcome,
} from './ledger.ts';
import { toContactEvent, type MappingContext } from './mapping.ts';
import { packMessages } from '../queue/send.ts';
import { itemsOf, type AcceptedContact, type AcceptedEvent, type ItemMessage, type QueueMessage } from '../queue/messages.ts';
import { logError, logWarn } from '../log.ts';
import { readConsent } from '../consent/store.ts';

export type DeliveryClient = Pick<SalesmanagoClient, 'batchUpsertContacts' | 'addEvent' | 'updateEvent' | 'batchAddEvents'>;

/**
 * Each event has its own budget of attempts (counted in the ledger, not per queue message): once an
 * event has been tried this often it is recorded 'dead' with its last error. 30 attempts at the
 * backoff's 1-hour cap outlast about a day of SALESmanago outage (README "Delivery guarantees").
 */
export const MAX_ATTEMPTS = 30;
/**
 * Quick retries inside one run, before a failure goes back to the queue with the long delay: waits of
 * about 250 ms, 750 ms, 2 s and 5 s (jittered 50-150 %), a failing chunk split in halves at each step, so
 * that healthy items leave. Only within the first QUICK_BUDGET_MS of a run: a queue consumer may run
 * 15 minutes of wall time, and waiting costs no CPU (README "Delivery guarantees").
 */
const QUICK_WAITS_MS = [250, 750, 2_000, 5_000];
const QUICK_BUDGET_MS = 60_000;
/** A Retry-After longer than this is honoured on the queue, not waited out in the run. */
const QUICK_RETRY_AFTER_MAX_S = 2;
/** An event add that timed out is unconfirmed; its events are sent again in chunks this small. */
export const UNCONFIRMED_CHUNK = 20;
export const UNCONFIRMED_PREFIX = 'unconfirmed: ';
/** Reason prefix of an item SALESmanago refused for its content: replay leaves it (replay.ts). */
export const REFUSED_PREFIX = 'refused: ';
/** Delay before a refused chunk whose bad item was not isolated in this run is tried again. */
const ISOLATE_DELAY_S = 2;
/**
 * Delay before the events of an add that got no answer are sent again (in chunks of UNCONFIRMED_CHUNK),
 * the first time: the run already waited 3 x the timeout for that answer, which is the pause a backoff
 * step would give; if the re-send fails too, the usual backoff starts from its first step. Without it,
 * one hung add of a 300-order flush kept all 300 waiting 15 s plus a 15-30 s backoff (README
 * "Performance", 5b).
 */
export const UNCONFIRMED_RETRY_S = 2;

export type Outcome =
  | { status: 'delivered'; contact: string; smEventId?: string }
  | { status: 'held' }
  | { status: 'failed'; reason: string }
  | { status: 'retry'; reason: string; delaySeconds: number }
  /** Its own budget of attempts is spent (MAX_ATTEMPTS). */
  | { status: 'dead'; reason: string }
  /** Already delivered (or expired) earlier: nothing to do. */
  | { status: 'skipped' };

export interface WorkItem {
  id: string;
  event?: AcceptedEvent;
  contact?: AcceptedContact;
  /** This attempt's number (1 = first), from the ledger: drives the backoff and the budget. */
  attempt: number;
  /** An earlier event add of this item timed out: SALESmanago may or may not hold it. */
  unconfirmed?: boolean;
  /** Its contact upsert was confirmed on an earlier attempt: not repeated. */
  contactDone?: boolean;
  ref?: ContactRef;
  outcome?: Outcome;
  /** A held event released by this batch: it has no queue message of its own. */
  released?: { payload: ItemMessage };
}

export interface DeliveryDeps {
  db: D1Database;
  client: DeliveryClient;
  /**
   * For the calls that are not idempotent (event adds): waits longer than `client` before it gives
   * up, because giving up is what makes a re-send, and a re-send of a stored add is a duplicate.
   * Defaults to `client`.
   */
  patientClient?: DeliveryClient;
  config: Pick<Config, 'tags' | 'doubleOptIn' | 'location' | 'shopDomains'> & { retryBaseS?: number };
  /** Puts released held events whose delivery must be retried back on the queue. */
  requeue: (messages: { body: QueueMessage; delaySeconds: number }[]) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Waits between quick retries (tests pass a faster one). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The consent store (KV): an explicit e-mail consent is sent only when no later change is stored
   * (a delayed retry of an older choice never overrides a newer one). Without it, no check.
   */
  consents?: KVNamespace;
}

/**
 * Extra calls allowed per run to isolate the bad items of chunks SALESmanago refused. Past it, the
 * items not yet isolated are not failed: they are retried shortly (and isolation goes on), so a
 * refused item never fails an innocent one.
 */
const ISOLATE_BUDGET = 64;
/**
 * Single CART calls per batch. A batch can hold thousands of events; each cart costs a SALESmanago
 * call and two D1 writes, so past this many the remaining carts wait for the next run (keeps one
 * invocation well inside Workers' subrequest limit).
 */
export const CART_CALLS_PER_BATCH = 100;
const CART_OVERFLOW_DELAY_S = 10;
/**
 * CART calls in flight at once: each concerns another contact (one call per contact key), so they
 * are independent; sequential single calls were the consumer's slowest part (README "Capacity").
 */
const CART_PARALLEL = 8;
/**
 * Event batch calls in flight at once: their chunks hold distinct events, so they are independent,
 * and one that hangs (an add waits up to 3 x the timeout) does not hold back the others, e.g. the 15
 * chunks of 20 that re-send a 300-order flush whose add got no answer (README "Performance", 5b).
 */
const CHUNKS_PARALLEL = 4;

/** Runs `work` over the list with at most `limit` at a time. */
async function inParallel<T>(list: readonly T[], limit: number, work: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < list.length) await work(list[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, lane));
}

export async function deliver(items: WorkItem[], deps: DeliveryDeps): Promise<WorkItem[]> {
  const run = new Run(deps);
  const released = await run.resolveIdentities(items);
  const all = [...items, ...released];
  await run.upsertContacts(all);
  await run.sendEvents(all);
  await run.recordRest(all);
  return all;
}

function refName(ref: ContactRef): string {
  return 'email' in ref ? ref.email : ref.contactId;
}

function eventOfPayload(payload: string, id: string): AcceptedEvent | null {
  try {
    for (const item of itemsOf(JSON.parse(payload) as QueueMessage)) {
      if (item.kind === 'event' && item.event?.id === id) return item.event;
    }
  } catch {
    // unreadable: reported by the caller
  }
  return null;
}

// Errors that are the same for every item (wrong credentials): splitting the chunk would not help.
function accountWide(err: SalesmanagoError): boolean {
  return err.status === 401 || err.status === 403 || err.messages.some((m) => /authenticat|owner|api ?key|\bsha\b/i.test(m));
}

/** No answer in time: the call may or may not have been processed (worker/salesmanago/client.ts). */
function isTimeout(err: SalesmanagoError): boolean {
  return err.messages.some((m) => m.includes('(timeout)'));
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface SettleOptions {
  /** A re-send after a timeout cannot duplicate (contact upserts, event updates). */
  idempotent: boolean;
}

class Run {
  readonly #deps: DeliveryDeps;
  readonly #ctx: MappingContext;
  #isolate = ISOLATE_BUDGET;
  /** Errors whose items are retried after ISOLATE_DELAY_S rather than the backoff. */
  readonly #soon = new WeakSet<SalesmanagoError>();
  #cartCalls = CART_CALLS_PER_BATCH;
  readonly #started: number;

  constructor(deps: DeliveryDeps) {
    this.#deps = deps;
    this.#ctx = { location: deps.config.location, shopDomains: deps.config.shopDomains };
    this.#started = this.#now();
  }

  get #patient(): DeliveryClient {
    return this.#deps.patientClient ?? this.#deps.client;
  }

  get #db(): D1Database {
    return this.#deps.db;
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }

  #failure(err: unknown, item: WorkItem, what: string, ambiguous = false): Outcome {
    if (!(err instanceof SalesmanagoError)) throw err;
    const reason = `${ambiguous ? UNCONFIRMED_PREFIX : ''}${what}: ${err.message}`;
    // Refused for what it carries (not the account's set-up): a replay would be refused again.
    if (err.kind === 'permanent') return { status: 'failed', reason: accountWide(err) ? reason : REFUSED_PREFIX + reason };
    if (this.#soon.has(err)) return { status: 'retry', reason, delaySeconds: ISOLATE_DELAY_S };
    if (ambiguous && !item.unconfirmed) return { status: 'retry', reason, delaySeconds: Math.max(UNCONFIRMED_RETRY_S, Math.ceil(err.retryAfterS ?? 0)) };
    // That quick re-send was no backoff step: the steps of an unconfirmed item start after it.
    const steps = item.unconfirmed ? Math.max(1, item.attempt - 1) : item.attempt;
    return { status: 'retry', reason, delaySeconds: retryDelay(steps, err.retryAfterS, this.#deps.random, this.#deps.config.retryBaseS) };
  }

  /** Jittered wait before quick retry number `step` (0-based), or null when it must go to the queue. */
  #quickWait(step: number, err: SalesmanagoError): number | null {
    const base = QUICK_WAITS_MS[step];
    if (base === undefined || this.#now() - this.#started > QUICK_BUDGET_MS) return null;
    if ((err.retryAfterS ?? 0) > QUICK_RETRY_AFTER_MAX_S) return null;
    const jittered = Math.round(base * (0.5 + (this.#deps.random ?? Math.random)()));
    return Math.max(jittered, Math.ceil((err.retryAfterS ?? 0) * 1000));
  }

  async #delivered(entries: { item: WorkItem; smEventId?: string }[]): Promise<void> {
    const rows: DeliveredRow[] = [];
    for (const { item, smEventId } of entries) {
      const contact = item.ref ? refName(item.ref) : normaliseEmail(item.contact?.email ?? '');
      item.outcome = smEventId ? { status: 'delivered', contact, smEventId } : { status: 'delivered', contact };
      rows.push(smEventId ? { id: item.id, contact, smEventId } : { id: item.id, contact });
    }
    await markDelivered(this.#db, rows, this.#now());
  }

  /**
   * Sends a chunk. A transient failure is retried at once a few times (QUICK_WAITS_MS), the chunk
   * split in halves each time so that healthy items leave; a timeout of a call that is not idempotent
   * is not retried here (see `ambiguous` in fail). A chunk SALESmanago refuses for a reason that is
   * not account-wide is halved until the refused items stand alone (within ISOLATE_BUDGET calls per
   * run; the items not isolated yet are retried, never failed).
   */
  async #settle<I, T>(
    items: I[],
    /** `after`: the failure this call retries, if it is a retry (a call may change what it sends again). */
    call: (xs: I[], after?: SalesmanagoError) => Promise<ChunkResult<T>[]>,
    ok: (xs: I[], value: T) => Promise<void>,
    fail: (xs: I[], err: SalesmanagoError, ambiguous: boolean) => void,
    options: SettleOptions,
    step = 0,
    after?: SalesmanagoError,
  ): Promise<void> {
    for (const r of await call(items, after)) {
      const part = items.slice(r.start, r.end);
      if (r.ok) {
        await ok(part, r.value);
        continue;
      }
      const err = r.error;
      if (err.kind === 'permanent') {
        if (part.length > 1 && !accountWide(err)) {
          if (this.#isolate >= 2) {
            this.#isolate -= 2;
            const mid = Math.ceil(part.length / 2);
            await this.#settle(part.slice(0, mid), call, ok, fail, options, step);
            await this.#settle(part.slice(mid), call, ok, fail, options, step);
          } else {
            const isolating = new SalesmanagoError('transient', [`refused a chunk, isolating the refused item: ${err.message}`]);
            this.#soon.add(isolating);
            fail(part, isolating, false);
          }
        } else fail(part, err, false);
        continue;
      }
      const ambiguous = !options.idempotent && isTimeout(err);
      const wait = ambiguous ? null : this.#quickWait(step, err);
      if (wait === null) {
        fail(part, err, ambiguous);
        continue;
      }
      await (this.#deps.sleep ?? defaultSleep)(wait);
      if (part.length > 1) {
        const mid = Math.ceil(part.length / 2);
        await Promise.all([
          this.#settle(part.slice(0, mid), call, ok, fail, options, step + 1, err),
          this.#settle(part.slice(mid), call, ok, fail, options, step + 1, err),
        ]);
      } else await this.#settle(part, call, ok, fail, options, step + 1, err);
    }
  }

  /** Links, then who each event belongs to; answers the held events released by this batch. */
  async resolveIdentities(items: WorkItem[]): Promise<WorkItem[]> {
    const events = items.filter((i): i is WorkItem & { event: AcceptedEvent } => Boolean(i.event && !i.outcome));
    if (events.length === 0) return [];
    await applyLinks(this.#db, events.map((i) => i.event), this.#now());
    const visitors = [...new Set(events.map((i) => i.event.visitorId).filter((v): v is string => Boolean(v)))];
    const links = await loadLinks(this.#db, visitors);
    for (const item of events) {
      const ref = resolveContact(item.event, item.event.visitorId ? links.get(item.event.visitorId) : undefined);
      if (ref) item.ref = ref;
      else if (item.event.visitorId) item.outcome = { status: 'held' };
      else item.outcome = { status: 'failed', reason: 'no contact: the event carries no e-mail, contactId or visitor id' };
    }

    const identified = visitors.filter((v) => isIdentified(links.get(v)));
    const inBatch = new Set(items.map((i) => i.id));
    const released: WorkItem[] = [];
    for (const row of await heldOf(this.#db, identified)) {
      if (inBatch.has(row.id)) continue;
      const event = eventOfPayload(row.payload, row.id);
      if (!event) {
        released.push({ id: row.id, attempt: row.attempts + 1, outcome: { status: 'failed', reason: 'held event: its stored payload is unreadable' } });
        continue;
      }
      const ref = resolveContact(event, links.get(row.visitorId));
      if (!ref) continue;
      released.push({ id: row.id, event, ref, attempt: row.attempts + 1, released: { payload: { kind: 'event', event } } });
    }
    await startAttempt(this.#db, released.map((r) => r.id), this.#now());
    return released;
  }

  /** One batch upsert for every contact this batch needs, before any of its events. */
  async upsertContacts(all: WorkItem[]): Promise<void> {
    const needs = new Map<string, ContactNeed[]>();
    const dependents = new Map<string, WorkItem[]>();
    const add = (email: string, need: ContactNeed, item: WorkItem) => {
      needs.set(email, [...(needs.get(email) ?? []), need]);
      dependents.set(email, [...(dependents.get(email) ?? []), item]);
    };
    for (const item of all) {
      if (item.outcome) continue;
      if (item.contact) {
        const need = contactNeedOfShopContact(item.contact, this.#deps.config);
        add(need.upsert.email, need, item);
      } else if (item.event && item.ref && 'email' in item.ref && !item.contactDone) {
        // (An event whose upsert succeeded on an earlier attempt does not repeat it.)
        const own = contactNeedOfEvent(item.event, this.#deps.config);
        const need = own && own.upsert.email === item.ref.email ? own : plainContactNeed(item.ref.email, item.event.occurredAt);
        add(item.ref.email, need, item);
      }
    }
    if (needs.size === 0) return;

    const known = await knownContacts(this.#db, [...needs.keys()]);
    const wanted = [...needs.entries()]
      .map(([email, list]) => ({ email, need: mergeContactNeeds(list) }))
      .filter((x) => x.need.always || !known.has(x.email));
    if (this.#deps.consents) await this.#dropOvertakenConsents(this.#deps.consents, wanted);
    // At most one double opt-in mail per subscribe, also on retry (contacts.ts).
    const claimed = await claimDoubleOptIns(this.#db, wanted.map((x) => x.need), this.#now());
    wanted.forEach((x, i) => (x.need = claimed[i] ?? x.need));
    const releases: Promise<void>[] = [];
    // A quick retry after an answer that may hide a stored call (a timeout, a 5xx) must not ask for the
    // double opt-in mail again, and its claim is then never given back (contacts.ts).
    const mayHaveAsked = new Set<string>();

    for (let start = 0; start < wanted.length; start += CHUNK_SIZE) {
      await this.#settle(
        wanted.slice(start, start + CHUNK_SIZE),
        (xs, after) => {
          if (after?.maybeStored) for (const x of xs) mayHaveAsked.add(x.email);
          return this.#deps.client.batchUpsertContacts(
            xs.map((x) => (mayHaveAsked.has(x.email) ? withoutDoubleOptIn(x.need) : x.need).upsert),
          );
        },
        async (xs, value) => {
          const items = xs.flatMap((x) => dependents.get(x.email) ?? []);
          await this.#delivered(items.filter((i) => i.contact).map((item) => ({ item })));
          await rememberContacts(this.#db, value.contactIds, this.#now());
          const events = items.filter((i) => i.event);
          for (const item of events) item.contactDone = true;
          await markContactDone(this.#db, events.map((i) => i.id), this.#now());
        },
        (xs, err) => {
          releases.push(releaseDoubleOptIns(this.#db, xs.filter((x) => !mayHaveAsked.has(x.email)).map((x) => x.need), err));
          for (const x of xs) {
            for (const item of dependents.get(x.email) ?? []) item.outcome = this.#failure(err, item, 'contact upsert');
          }
        },
        { idempotent: true },
      );
    }
    await Promise.all(releases);
  }

  /**
   * An explicit e-mail consent older than the change the consent store holds for that address (a
   * callback, or the shop's later choice, stored first while this one waited for a retry) is not sent:
   * the upsert goes as "no change" for the e-mail pair. A failed read keeps the consent as it is.
   */
  async #dropOvertakenConsents(kv: KVNamespace, wanted: { email: string; need: ContactNeed }[]): Promise<void> {
    const explicit = wanted.filter((x) => x.need.upsert.consent !== 'no-change');
    await Promise.all(
      explicit.map(async (x) => {
        const stored = await readConsent(kv, x.email).catch(() => null);
        const wants = x.need.upsert.consent === 'subscribe' ? 'opt-in' : 'opt-out';
        if (!stored || stored.changedAt <= x.need.at || stored.status === wants) return;
        logWarn('consent overtaken by a later stored change: sent as no change', { stored: stored.status, storedAt: stored.changedAt, at: x.need.at });
        x.need = withoutConsent(x.need);
      }),
    );
  }

  async sendEvents(all: WorkItem[]): Promise<void> {
    const ready = all.filter(
      (i): i is WorkItem & { event: AcceptedEvent; ref: ContactRef } => Boolean(i.event && i.ref && !i.outcome),
    );
    if (ready.length === 0) return;
    const others = ready.filter((i) => i.event.type !== 'cart');
    const carts = await this.#settleCarts(ready.filter((i) => i.event.type === 'cart'));

    // Carts keyed by contact: a contactId SALESmanago gave us for an e-mail counts as that e-mail.
    const ids = [...new Set(carts.flatMap((i) => ('contactId' in i.ref ? [i.ref.contactId] : [])))];
    const emailOf = await emailsOfContactIds(this.#db, ids);
    const keyOf = (ref: ContactRef) => {
      const email = 'contactId' in ref ? emailOf.get(ref.contactId) : undefined;
      return email ? cartKey({ email }) : cartKey(ref);
    };
    const purchases = others.filter((i) => i.event.type === 'purchase');
    const lastPurchase = new Map<string, number>();
    for (const p of purchases) {
      const k = keyOf(p.ref);
      lastPurchase.set(k, Math.max(lastPurchase.get(k) ?? 0, p.event.occurredAt));
    }
    // Cart changes before a purchase of this batch update the open cart; later ones open a new one.
    const before = new Map<string, typeof carts>();
    const after = new Map<string, typeof carts>();
    for (const c of carts) {
      const k = keyOf(c.ref);
      const p = lastPurchase.get(k);
      const side = p !== undefined && c.event.occurredAt > p ? after : before;
      side.set(k, [...(side.get(k) ?? []), c]);
    }
    const open = await openCarts(this.#db, [...before.keys()], this.#now());
    await inParallel([...before], CART_PARALLEL, ([key, group]) => this.#sendCart(key, group, open.get(key)));

    await this.#sendBatch(others);

    const closing = purchases.filter((p) => p.outcome?.status === 'delivered');
    if (closing.length > 0) {
      const emails = closing.flatMap((p) => ('email' in p.ref ? [p.ref.email] : []));
      const idsOfEmails = await knownContacts(this.#db, emails);
      const keys = new Set(closing.map((p) => keyOf(p.ref)));
      for (const id of idsOfEmails.values()) keys.add(cartKey({ contactId: id }));
      await closeCarts(this.#db, [...keys]);
    }
    await inParallel([...after], CART_PARALLEL, ([key, group]) => this.#sendCart(key, group, undefined));
  }

  /**
   * Cart changes superseded by a newer one of the same visitor are done without a call; a fresh
   * change (first attempt) waits CART_SETTLE_S on the queue for followers. Answers the carts to send.
   */
  async #settleCarts<T extends WorkItem & { ref: ContactRef }>(carts: T[]): Promise<T[]> {
    if (carts.length === 0) return carts;
    const superseded = await supersededCarts(this.#db, carts.map((c) => c.id));
    await this.#delivered(carts.filter((c) => superseded.has(c.id)).map((item) => ({ item })));
    const send: T[] = [];
    for (const c of carts) {
      if (superseded.has(c.id)) continue;
      if (c.attempt === 1 && !c.released) c.outcome = { status: 'retry', reason: '', delaySeconds: CART_SETTLE_S };
      else send.push(c);
    }
    return send;
  }

  /** Several cart changes of one contact in one batch become one call carrying the latest cart. */
  async #sendCart(key: string, group: (WorkItem & { event: AcceptedEvent; ref: ContactRef })[], openId: string | undefined) {
    const latest = latestKnownCart(group);
    // A cart-page visit (contents unknown) never overwrites known contents; an emptied cart is not sent (carts.ts).
    if (!latest || isEmptiedCart(latest.event)) {
      await this.#delivered(group.map((item) => ({ item })));
      return;
    }
    const event = toContactEvent(latest.event, this.#ctx);
    const settleAll = (outcomeOf: (item: WorkItem) => Outcome) => {
      for (const item of group) item.outcome = outcomeOf(item);
    };
    if (this.#cartCalls <= 0) {
      settleAll(() => ({ status: 'retry', reason: 'CART: more carts in this batch than one run sends', delaySeconds: CART_OVERFLOW_DELAY_S }));
      return;
    }
    this.#cartCalls -= 1;
    if (openId) {
      try {
        await this.#deps.client.updateEvent(openId, event);
        await this.#delivered(group.map((item) => ({ item, smEventId: openId })));
        await touchCart(this.#db, key, this.#now());
        return;
      } catch (err) {
        if (!(err instanceof SalesmanagoError) || err.kind === 'transient') {
          settleAll((item) => this.#failure(err, item, 'CART update'));
          return;
        }
        // Permanent: the open event is gone or closed on SALESmanago's side; start a new one.
      }
    }
    let eventId: string;
    try {
      ({ eventId } = await this.#patient.addEvent({ contact: latest.ref, event }));
    } catch (err) {
      const ambiguous = err instanceof SalesmanagoError && isTimeout(err);
      settleAll((item) => this.#failure(err, item, 'CART', ambiguous));
      return;
    }
    await this.#delivered(group.map((item) => ({ item, smEventId: eventId })));
    await openCart(this.#db, key, eventId, this.#now());
  }

  async #sendBatch(items: (WorkItem & { event: AcceptedEvent; ref: ContactRef })[]): Promise<void> {
    const pairs = items.map((w) => ({ w, item: { contact: w.ref, event: toContactEvent(w.event, this.#ctx) } as EventItem }));
    // Events whose earlier add timed out go in small chunks: if SALESmanago did store the first add,
    // a re-send duplicates at most this many (README "Delivery guarantees").
    const chunks: (typeof pairs)[] = [];
    const unconfirmed = pairs.filter((p) => p.w.unconfirmed);
    for (let start = 0; start < unconfirmed.length; start += UNCONFIRMED_CHUNK) chunks.push(unconfirmed.slice(start, start + UNCONFIRMED_CHUNK));
    const fresh = pairs.filter((p) => !p.w.unconfirmed);
    for (let start = 0; start < fresh.length; start += CHUNK_SIZE) chunks.push(fresh.slice(start, start + CHUNK_SIZE));
    await inParallel(chunks, CHUNKS_PARALLEL, (part) =>
      this.#settle(
        part,
        (xs) => this.#patient.batchAddEvents(xs.map((x) => x.item)),
        async (xs, value) => {
          const refused = new Set(value.failed.map((f) => f.trim().toLowerCase()));
          const delivered: { item: WorkItem }[] = [];
          for (const { w } of xs) {
            const name = refName(w.ref);
            if (refused.has(name.toLowerCase())) {
              w.outcome = { status: 'failed', reason: `${REFUSED_PREFIX}SALESmanago did not create the event: ${name} is in failedContacts` };
            } else delivered.push({ item: w });
          }
          await this.#delivered(delivered);
        },
        (xs, err, ambiguous) => {
          for (const { w } of xs) w.outcome = this.#failure(err, w, 'events', ambiguous);
        },
        { idempotent: false },
      ),
    );
  }

  /** Held, failed and retried outcomes; released events to retry go back on the queue. */
  async recordRest(all: WorkItem[]): Promise<void> {
    const rows: RowOutcome[] = [];
    const requeue: { item: WorkItem; body: ItemMessage; delaySeconds: number; reason: string }[] = [];
    const heldVisitors = new Set<string>();
    const now = this.#now();
    for (const item of all) {
      let o = item.outcome;
      if (!o) continue;
      if (o.status === 'retry' && o.reason) {
        // Once unconfirmed, always: SALESmanago may still hold that first add.
        const reason = item.unconfirmed && !o.reason.startsWith(UNCONFIRMED_PREFIX) ? UNCONFIRMED_PREFIX + o.reason : o.reason;
        o = item.attempt >= MAX_ATTEMPTS
          ? { status: 'dead', reason: `retries exhausted after ${item.attempt} attempts: ${reason}` }
          : { ...o, reason };
        item.outcome = o;
      }
      if (o.status === 'held') {
        rows.push({ id: item.id, status: 'held', error: null, visitorId: item.event?.visitorId ?? null });
        if (item.event?.visitorId) heldVisitors.add(item.event.visitorId);
      } else if (o.status === 'failed') {
        rows.push({ id: item.id, status: 'failed', error: o.reason, contact: item.ref ? refName(item.ref) : null });
      } else if (o.status === 'dead') {
        rows.push({ id: item.id, status: 'dead', error: o.reason });
      } else if (o.status === 'retry') {
        if (item.released) requeue.push({ item, body: item.released.payload, delaySeconds: o.delaySeconds, reason: o.reason });
        else rows.push({ id: item.id, status: 'queued', error: o.reason || null, nextAttemptAt: now + o.delaySeconds * 1000 });
      }
    }
    if (requeue.length > 0) {
      let requeued = true;
      try {
        // Packed several to a message, by delay (a message has one delay).
        const byDelay = new Map<number, ItemMessage[]>();
        for (const r of requeue) {
          const list = byDelay.get(r.delaySeconds);
          if (list) list.push(r.body);
          else byDelay.set(r.delaySeconds, [r.body]);
        }
        await this.#deps.requeue(
          [...byDelay].flatMap(([delaySeconds, bodies]) => packMessages(bodies).map((p) => ({ body: p.message, delaySeconds }))),
        );
      } catch (err) {
        // Still held: the next event of the visitor or the hourly sweep releases them again.
        logError('could not requeue released held events', { count: requeue.length }, err);
        requeued = false;
      }
      for (const r of requeue) {
        rows.push(requeued
          ? { id: r.item.id, status: 'queued', error: r.reason, nextAttemptAt: now + r.delaySeconds * 1000 }
          : { id: r.item.id, status: 'held', error: r.reason });
      }
    }
    await recordOutcomes(this.#db, rows, now);
    await expireOverflow(this.#db, [...heldVisitors], now);
  }
}
