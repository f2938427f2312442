// What the setup page's events list, contact view and hourly chart read: the delivery ledger (one row
// per accepted event, migration 0001), the refused shop-API/platform requests (0030), the visitor
// links and known contacts (0002, 0004), and the consent in KV. Plain functions over the bindings;
// the statements are ledger/reports.ts (the reads); the refusals are recorded by http/refusals.ts.
// Each reader takes every ledger database (LEDGER's first; ledger/databases.ts), since a contact's rows
// are in the database of its routing key: each is asked the same question side by side and the answers
// are merged here (a list by time, counts summed). One database: one query, as before the split.
import { readConsent, type StoredConsent } from '../consent/store.ts';
import { contactLinks, countsByHour, HOUR_MS, listEvents, type ContactLinks, type EventFilter, type EventRow } from '../ledger/reports.ts';
import type { D1Reader } from '../ledger/sessions.ts';

export type { RefusedRequest } from '../ledger/refused-requests.ts';
export type { EventFilter, EventRow } from '../ledger/reports.ts';

export const EVENT_STATUSES = ['queued', 'held', 'delivered', 'failed', 'dead', 'expired'] as const;
type EventStatus = (typeof EVENT_STATUSES)[number];
export const EVENT_TYPES = ['visit', 'cart', 'login', 'offer', 'newsletter', 'survey', 'purchase', 'return', 'cancellation', 'contact'] as const;

/** Reads a filter from the query; unknown values are dropped (never an error: it is a view). */
export function readFilter(query: Record<string, string | undefined>): EventFilter {
  const type = (EVENT_TYPES as readonly string[]).includes(query.type ?? '') ? query.type : undefined;
  const status = (EVENT_STATUSES as readonly string[]).includes(query.status ?? '') ? query.status : undefined;
  const email = (query.email ?? '').trim().toLowerCase().slice(0, 254) || undefined;
  return { ...(type ? { type } : {}), ...(status ? { status } : {}), ...(email ? { email } : {}) };
}

export interface ContactView {
  email: string;
  consent: StoredConsent | null;
  contactId: string | null;
  visitors: number;
  events: EventRow[];
}

/** The events of every ledger database, newest first (then by id, as each database orders them), at most the filter's limit. */
export async function eventsOf(ledgers: readonly D1Reader[], filter: EventFilter): Promise<EventRow[]> {
  if (ledgers.length === 1) return listEvents(ledgers[0]!, filter);
  const each = await Promise.all(ledgers.map((db) => listEvents(db, filter)));
  const limit = Math.max(1, Math.min(filter.limit ?? 100, 500));
  return each
    .flat()
    .sort((a, b) => b.acceptedAt - a.acceptedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
}

/** An e-mail's links in every ledger database: its known contact id from any (LEDGER's first), its visitors counted over all. */
async function linksOf(ledgers: readonly D1Reader[], email: string): Promise<ContactLinks> {
  const each = await Promise.all(ledgers.map((db) => contactLinks(db, email)));
  return {
    knownContactId: each.find((l) => l.knownContactId)?.knownContactId ?? null,
    // The greatest, as one database's MAX(contact_id) answers it.
    linkedContactId: each.reduce<string | null>(
      (max, l) => (l.linkedContactId !== null && (max === null || l.linkedContactId > max) ? l.linkedContactId : max),
      null,
    ),
    visitors: each.reduce((n, l) => n + l.visitors, 0),
  };
}

export async function contactView(ledgers: readonly D1Reader[], kv: KVNamespace, email: string): Promise<ContactView> {
  const [consent, links, events] = await Promise.all([readConsent(kv, email), linksOf(ledgers, email), eventsOf(ledgers, { email, limit: 50 })]);
  return {
    email,
    consent,
    contactId: links.knownContactId ?? links.linkedContactId,
    visitors: links.visitors,
    events,
  };
}

export interface HourlyFigures {
  /** Start of each of the 24 hours, oldest first (unix ms). */
  hours: number[];
  /** Counts per hour, by status. */
  counts: Record<EventStatus, number[]>;
}

/** The last 24 hours' counts, summed over every ledger database. */
export async function hourlyFigures(ledgers: readonly D1Reader[], now: number): Promise<HourlyFigures> {
  const first = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const results = (await Promise.all(ledgers.map((db) => countsByHour(db, first)))).flat();
  const hours = Array.from({ length: 24 }, (_, i) => first + i * HOUR_MS);
  const counts = Object.fromEntries(EVENT_STATUSES.map((s) => [s, hours.map(() => 0)])) as Record<EventStatus, number[]>;
  for (const r of results) {
    const i = Math.floor(r.hour) - first / HOUR_MS;
    const row = counts[r.status as EventStatus];
    if (row && i >= 0 && i < 24) row[i] = (row[i] ?? 0) + r.n;
  }
  return { hours, counts };
}
