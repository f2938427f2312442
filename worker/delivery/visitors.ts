// Who a visitor is: links visitor ↔ contact (table visitor_links) and the contacts SALESmanago has
// confirmed (table known_contacts). A verified e-mail (shop server, login token) outranks a typed
// one (a form): a typed e-mail never replaces a verified link.
import type { ContactRef } from '../salesmanago/types.ts';
import { normaliseEmail } from './contacts.ts';
import type { AcceptedEvent } from '../queue/messages.ts';
import { loadLinksStep, storeContactIdsStep, writeLinksStep, type LinkOp, type VisitorLink } from '../ledger/visitors.ts';
import { startAttempt } from '../ledger/deliveries/rows.ts';
import { heldOfIdentifiedStep } from '../ledger/deliveries/held.ts';
import { together, type Step } from '../ledger/parts.ts';
import { storedEvent } from '../ledger/payloads.ts';
import type { DeliveryRun } from './run.ts';
import type { WorkItem } from './work.ts';

/**
 * Records what this batch's events say about their visitors. Per visitor only the latest claim of
 * each strength is written, weakest first, so that the strongest claim is the one that stays.
 */
function applyLinks(db: D1Database, events: readonly AcceptedEvent[], now: number): Step<void> {
  const verified = new Map<string, LinkOp>();
  const typed = new Map<string, LinkOp>();
  const byContactId = new Map<string, LinkOp>();
  for (const e of [...events].sort((a, b) => a.occurredAt - b.occurredAt)) {
    if (!e.visitorId) continue;
    if (e.email) {
      const op = { visitor: e.visitorId, email: normaliseEmail(e.email) };
      (e.emailVerified ? verified : typed).set(e.visitorId, op);
    } else if (e.contactId) {
      byContactId.set(e.visitorId, { visitor: e.visitorId, contactId: e.contactId });
    }
  }
  return writeLinksStep(db, { byContactId: [...byContactId.values()], typed: [...typed.values()], verified: [...verified.values()] }, now);
}

/**
 * The contact an event belongs to: the e-mail it carries; else the visitor's verified e-mail; else
 * the smclient contactId it carries; else the visitor's typed e-mail or known contactId; else no one
 * yet (the event is held until the visitor is identified).
 */
function resolveContact(event: AcceptedEvent, link: VisitorLink | undefined): ContactRef | null {
  if (event.email) return { email: normaliseEmail(event.email) };
  if (link?.verified && link.email) return { email: link.email };
  if (event.contactId) return { contactId: event.contactId };
  if (link?.email) return { email: link.email };
  if (link?.contactId) return { contactId: link.contactId };
  return null;
}

/** Stores the contactIds of an upsert answer, and on the visitors linked to those e-mails. */
export function rememberContacts(db: D1Database, contactIds: Record<string, string>, now: number): Step<void> {
  return storeContactIdsStep(
    db,
    Object.entries(contactIds).map(([email, id]) => ({ email: normaliseEmail(email), id })),
    now,
  );
}

// The identity stage of a delivery run (delivery/deliver.ts).

/** Links, then who each event belongs to; answers the held events released by this batch. */
export async function resolveIdentities(run: DeliveryRun, items: WorkItem[]): Promise<WorkItem[]> {
  const events = items.filter((i): i is WorkItem & { event: AcceptedEvent } => Boolean(i.event && !i.outcome));
  if (events.length === 0) return [];
  const visitors = [...new Set(events.map((i) => i.event.visitorId).filter((v): v is string => Boolean(v)))];
  // The batch's claims, then the links and the held events of those identified now: one round trip.
  const [, links, held] = await together(
    run.db,
    applyLinks(
      run.db,
      events.map((i) => i.event),
      run.now(),
    ),
    loadLinksStep(run.db, visitors),
    heldOfIdentifiedStep(run.db, visitors),
  );
  for (const item of events) {
    const ref = resolveContact(item.event, item.event.visitorId ? links.get(item.event.visitorId) : undefined);
    if (ref) item.ref = ref;
    else if (item.event.visitorId) item.outcome = { status: 'held' };
    else item.outcome = { status: 'failed', reason: 'no contact: the event carries no e-mail, contactId or visitor id' };
  }

  const inBatch = new Set(items.map((i) => i.id));
  const released: WorkItem[] = [];
  for (const row of held) {
    if (inBatch.has(row.id)) continue;
    const event = storedEvent(row.payload, row.id);
    if (!event) {
      released.push({ id: row.id, attempt: row.attempts + 1, outcome: { status: 'failed', reason: 'held event: its stored payload is unreadable' } });
      continue;
    }
    const ref = resolveContact(event, links.get(row.visitorId));
    if (!ref) continue;
    released.push({ id: row.id, event, ref, attempt: row.attempts + 1, released: { payload: { kind: 'event', event } } });
  }
  await startAttempt(
    run.db,
    released.map((r) => r.id),
    run.now(),
  );
  return released;
}
