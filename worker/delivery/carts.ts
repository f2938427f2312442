// The open CART event of each contact (table open_carts). SALESmanago's official plugins keep the
// eventId of the first CART for 12 h and update that event on later cart changes; a Purchase closes
// it. We do the same, server-side, so one shopping session is one CART event.
import { SalesmanagoError } from '../salesmanago/errors.ts';
import type { ContactRef } from '../salesmanago/types.ts';
import type { AcceptedEvent } from '../queue/messages.ts';
import { closeCarts, openCarts } from '../ledger/carts.ts';
import { laggingReads } from '../ledger/sessions.ts';
import { supersededCarts } from '../ledger/deliveries/rows.ts';
import { emailsOfContactIds, knownContacts } from '../ledger/visitors.ts';
import { toContactEvent } from './mapping.ts';
import { recoveryBase, recoveryLink } from '../recovery/link.ts';
import { inParallel, isTimeout, type DeliveryRun } from './run.ts';
import type { Outcome, ReadyEvent, WorkItem } from './work.ts';

/**
 * A cart change waits this long on the queue before it is sent: changes that follow within the
 * window supersede it, so an active shopper costs one call per window instead of one per change.
 */
const CART_SETTLE_S = 60;

function cartKey(ref: ContactRef): string {
  return 'email' in ref ? `email:${ref.email}` : `contact:${ref.contactId}`;
}

/**
 * Whether a cart change says what is in the cart. A Cart made from a visit to the cart page
 * (data-cart-path) does not: it must never overwrite known contents. `products: []` does: emptied.
 */
function contentsKnown(event: AcceptedEvent): boolean {
  return Array.isArray(event.products);
}

/**
 * Which of two cart changes of one visitor is newer: the shopper's clock, then the position in its
 * beacon (two changes of one beacon often share a millisecond), then arrival. Never the event id
 * (it starts with random digits). Same order in supersededCarts' SQL (ledger/deliveries/rows.ts).
 */
function cartOrder(a: AcceptedEvent, b: AcceptedEvent): number {
  return a.occurredAt - b.occurredAt || (a.seq ?? 0) - (b.seq ?? 0) || a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The newest change with known contents, or undefined when none says what is in the cart. */
export function latestKnownCart<T extends { event: AcceptedEvent }>(group: readonly T[]): T | undefined {
  let latest: T | undefined;
  for (const item of group) {
    if (contentsKnown(item.event) && (!latest || cartOrder(item.event, latest.event) > 0)) latest = item;
  }
  return latest;
}

/**
 * An emptied cart is not sent: official code never sends an event with neither products nor value
 * (SDK 3.8 `Entity/Event/Event.php:346-349`, checked by `Services/ContactAndEventTransferService.php:90`),
 * and keeps the open CART eventId, so the next change updates the same event. We do the same.
 */
function isEmptiedCart(event: AcceptedEvent): boolean {
  return Array.isArray(event.products) && event.products.length === 0;
}

// The CART stage of a delivery run (delivery/deliver.ts): settle, group by contact, send.

const CART_OVERFLOW_DELAY_S = 10;
/**
 * CART calls in flight at once: each concerns another contact (one call per contact key), so they
 * are independent; sequential single calls were the consumer's slowest part (docs/operations.md "Capacity plan").
 */
const CART_PARALLEL = 8;

/**
 * Cart changes superseded by a newer one of the same visitor are done without a call; a fresh
 * change (first attempt) waits CART_SETTLE_S on the queue for followers. Answers the carts to send.
 */
export async function settleCarts<T extends WorkItem & { ref: ContactRef }>(run: DeliveryRun, carts: T[]): Promise<T[]> {
  if (carts.length === 0) return carts;
  const superseded = await supersededCarts(
    run.db,
    carts.map((c) => c.id),
  );
  await run.delivered(carts.filter((c) => superseded.has(c.id)).map((item) => ({ item })));
  const send: T[] = [];
  for (const c of carts) {
    if (superseded.has(c.id)) continue;
    if (c.attempt === 1 && !c.released) c.outcome = { status: 'retry', reason: '', delaySeconds: CART_SETTLE_S };
    else send.push(c);
  }
  return send;
}

/** A batch's cart changes by contact key: those before a purchase of the batch, and those after it. */
export interface CartPlan {
  before: Map<string, ReadyEvent[]>;
  after: Map<string, ReadyEvent[]>;
  keyOf: (ref: ContactRef) => string;
}

/**
 * Groups the carts to send by contact. A contactId SALESmanago gave us for an e-mail counts as that
 * e-mail. Cart changes before a purchase of this batch update the open cart; later ones open a new one.
 */
export async function planCarts(run: DeliveryRun, carts: readonly ReadyEvent[], purchases: readonly ReadyEvent[]): Promise<CartPlan> {
  const ids = [...new Set(carts.flatMap((i) => ('contactId' in i.ref ? [i.ref.contactId] : [])))];
  const emailOf = await emailsOfContactIds(run.db, ids);
  const keyOf = (ref: ContactRef) => {
    const email = 'contactId' in ref ? emailOf.get(ref.contactId) : undefined;
    return email ? cartKey({ email }) : cartKey(ref);
  };
  const lastPurchase = new Map<string, number>();
  for (const p of purchases) {
    const k = keyOf(p.ref);
    lastPurchase.set(k, Math.max(lastPurchase.get(k) ?? 0, p.event.occurredAt));
  }
  const before = new Map<string, ReadyEvent[]>();
  const after = new Map<string, ReadyEvent[]>();
  for (const c of carts) {
    const k = keyOf(c.ref);
    const p = lastPurchase.get(k);
    const side = p !== undefined && c.event.occurredAt > p ? after : before;
    side.set(k, [...(side.get(k) ?? []), c]);
  }
  return { before, after, keyOf };
}

/** One call per contact; `updateOpen`: the contact's open CART (if any) is updated, not a new one opened. */
export async function sendCarts(run: DeliveryRun, groups: Map<string, ReadyEvent[]>, updateOpen: boolean): Promise<void> {
  const open = updateOpen ? await openCarts(run.db, [...groups.keys()], run.now()) : new Map<string, string>();
  const contactIds = await cartContactIds(run, groups);
  await inParallel([...groups], CART_PARALLEL, ([key, group]) => sendCart(run, key, group, open.get(key), contactIds.get(key)));
}

/**
 * The contactId each cart's recovery link carries (the smclient cookie it sets): the one the cart came
 * with, else the one SALESmanago gave for the e-mail earlier. Looked up only when links are on.
 */
async function cartContactIds(run: DeliveryRun, groups: Map<string, ReadyEvent[]>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!recoveryBase(run.deps.config)) return out;
  const emails = new Map<string, string>();
  for (const [key, group] of groups) {
    const ref = latestKnownCart(group)?.ref;
    if (!ref) continue;
    if ('contactId' in ref) out.set(key, ref.contactId);
    else emails.set(ref.email, key);
  }
  if (emails.size > 0) {
    for (const [email, id] of await knownContacts(run.db, [...emails.keys()])) out.set(emails.get(email)!, id);
  }
  return out;
}

/** A delivered purchase closes its contact's open CART (by e-mail and by the contactId SALESmanago gave it). */
export async function closePurchasedCarts(run: DeliveryRun, plan: CartPlan, purchases: readonly ReadyEvent[]): Promise<void> {
  // An imported (history) purchase is no answer to today's cart.
  const closing = purchases.filter((p) => p.outcome?.status === 'delivered' && !p.event.history);
  if (closing.length === 0) return;
  const emails = closing.flatMap((p) => ('email' in p.ref ? [p.ref.email] : []));
  const idsOfEmails = await knownContacts(run.db, emails);
  const keys = new Set(closing.map((p) => plan.keyOf(p.ref)));
  for (const id of idsOfEmails.values()) keys.add(cartKey({ contactId: id }));
  await closeCarts(run.db, [...keys]);
  // A contact's cart is in the database of the visitor that opened it, which may be another one
  // (ledger/databases.ts): closed there too where a read off the writer finds it (a cart opened within
  // a replica's lag stays, and goes by its 12 h).
  const others = run.ledgers.filter((db) => db !== run.db);
  await Promise.all(
    others.map(async (db) => {
      const open = await openCarts(laggingReads(db), [...keys], run.now());
      if (open.size > 0) await closeCarts(db, [...open.keys()]);
    }),
  );
}

/** Several cart changes of one contact in one batch become one call carrying the latest cart. */
async function sendCart(run: DeliveryRun, key: string, group: ReadyEvent[], openId: string | undefined, contactId: string | undefined) {
  const latest = latestKnownCart(group);
  // A cart-page visit (contents unknown) never overwrites known contents; an emptied cart is not sent (carts.ts).
  if (!latest || isEmptiedCart(latest.event)) {
    await run.delivered(group.map((item) => ({ item })));
    return;
  }
  const event = toContactEvent(latest.event, run.ctx);
  // The plugin's description is its cart-recovery URL (recovery/link.ts); with links off, the cart page.
  const link = await recoveryLink(run.deps.config, latest.event.products ?? [], contactId, run.now());
  if (link) event.description = link;
  const settleAll = (outcomeOf: (item: WorkItem) => Outcome) => {
    for (const item of group) item.outcome = outcomeOf(item);
  };
  if (!run.takeCartCall()) {
    settleAll(() => ({ status: 'retry', reason: 'CART: more carts in this batch than one run sends', delaySeconds: CART_OVERFLOW_DELAY_S }));
    return;
  }
  if (openId) {
    try {
      await run.deps.client.updateEvent(openId, event);
      await run.delivered(
        group.map((item) => ({ item, smEventId: openId })),
        { touched: key },
      );
      return;
    } catch (err) {
      if (!(err instanceof SalesmanagoError) || err.kind === 'transient') {
        settleAll((item) => run.failure(err, item, 'CART update'));
        return;
      }
      // Permanent: the open event is gone or closed on SALESmanago's side; start a new one.
    }
  }
  let eventId: string;
  try {
    // A CART add that went unanswered before gets the re-send's longer wait too (events.ts).
    ({ eventId } = await (group.some((item) => item.unconfirmed) ? run.resend : run.patient).addEvent({ contact: latest.ref, event }));
  } catch (err) {
    const ambiguous = err instanceof SalesmanagoError && isTimeout(err);
    settleAll((item) => run.failure(err, item, 'CART', ambiguous));
    return;
  }
  await run.delivered(
    group.map((item) => ({ item, smEventId: eventId })),
    { opened: eventId, key },
  );
}
