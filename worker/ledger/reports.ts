// Read-only queries behind the setup pages (the events list, the contact view, the hourly chart and the
// delivery figures), over tables other modules write: deliveries (migrations/0001_ledger.sql, written
// by the delivery modules), visitor_links (0002_identity.sql) and known_contacts (0004_delivery.sql).
// Gathered here, apart from the writers, so that a page's query never becomes a second writer, and
// "who reads deliveries for a page" has one answer. Shaping for the page stays in setup/.
// Shop webhook pushes (type 'consent-webhook') share the deliveries table but are not deliveries to
// SALESmanago: the events list and the counts leave them out.
import type { D1Reader } from './sessions.ts';

export interface EventFilter {
  type?: string;
  status?: string;
  email?: string;
  limit?: number;
}

export interface EventRow {
  id: string;
  type: string;
  source: string;
  contact: string | null;
  /** The contact's e-mail when known: the contact itself, or known_contacts / the visitor's link. */
  email: string | null;
  /** The contact's SALESmanago id when known. */
  contactId: string | null;
  status: string;
  attempts: number;
  /** SALESmanago's answer: its error, or the event id it gave. */
  error: string | null;
  smEventId: string | null;
  acceptedAt: number;
  updatedAt: number;
  /** The ids of the event's products (a Visit's are the products viewed), from its payload. */
  products: string[];
}

/** Events newest first, filtered (values already checked by the caller), at most 500. */
export async function listEvents(db: D1Reader, filter: EventFilter): Promise<EventRow[]> {
  const where = ["type <> 'consent-webhook'"];
  const binds: unknown[] = [];
  if (filter.type) {
    binds.push(filter.type);
    where.push(`type = ?${binds.length}`);
  }
  if (filter.status) {
    binds.push(filter.status);
    where.push(`status = ?${binds.length}`);
  }
  if (filter.email) {
    // An event belongs to the e-mail when it was recorded with it, or came from a visitor linked to it.
    binds.push(filter.email);
    const n = binds.length;
    where.push(`(contact = ?${n} OR visitor_id IN (SELECT visitor_id FROM visitor_links WHERE email = ?${n})
      OR contact IN (SELECT contact_id FROM known_contacts WHERE email = ?${n}))`);
  }
  binds.push(Math.max(1, Math.min(filter.limit ?? 100, 500)));
  const { results } = await db
    .prepare(
      `SELECT id, type, source, contact, status, attempts, last_error, sm_event_id, accepted_at, updated_at,
              CASE WHEN json_valid(payload) THEN json_extract(payload, '$.event.products') END AS products,
              CASE WHEN instr(contact, '@') > 0 THEN contact
                   ELSE COALESCE((SELECT email FROM known_contacts k WHERE k.contact_id = d.contact LIMIT 1),
                                 (SELECT email FROM visitor_links v WHERE v.visitor_id = d.visitor_id)) END AS email,
              CASE WHEN instr(contact, '@') > 0 THEN (SELECT contact_id FROM known_contacts k WHERE k.email = d.contact)
                   ELSE COALESCE(contact, (SELECT contact_id FROM visitor_links v WHERE v.visitor_id = d.visitor_id)) END AS contact_id
       FROM deliveries d WHERE ${where.join(' AND ')} ORDER BY accepted_at DESC, id LIMIT ?${binds.length}`,
    )
    .bind(...binds)
    .all<Record<string, unknown>>();
  return results.map((r) => ({
    id: String(r.id),
    type: String(r.type),
    source: String(r.source),
    contact: r.contact === null ? null : String(r.contact),
    email: r.email === null || r.email === undefined ? null : String(r.email),
    contactId: r.contact_id === null || r.contact_id === undefined ? null : String(r.contact_id),
    status: String(r.status),
    attempts: Number(r.attempts),
    error: r.last_error === null ? null : String(r.last_error),
    smEventId: r.sm_event_id === null ? null : String(r.sm_event_id),
    acceptedAt: Number(r.accepted_at),
    updatedAt: Number(r.updated_at),
    products: productIds(r.products),
  }));
}

function productIds(json: unknown): string[] {
  try {
    const list: unknown = typeof json === 'string' ? JSON.parse(json) : [];
    return Array.isArray(list) ? list.map((p) => String((p as { id?: unknown })?.id ?? '')).filter(Boolean) : [];
  } catch {
    return [];
  }
}

export interface ContactLinks {
  /** known_contacts' contact id of the e-mail. */
  knownContactId: string | null;
  /** A contact id from the visitors linked to the e-mail. */
  linkedContactId: string | null;
  /** How many visitors are linked to the e-mail. */
  visitors: number;
}

/** What the ledger knows of a (lower-case) e-mail's SALESmanago contact and visitors. */
export async function contactLinks(db: D1Reader, email: string): Promise<ContactLinks> {
  const [known, visitors] = await Promise.all([
    db.prepare('SELECT contact_id FROM known_contacts WHERE email = ?').bind(email).first<{ contact_id: string }>(),
    db
      .prepare('SELECT COUNT(*) AS n, MAX(contact_id) AS contact_id FROM visitor_links WHERE email = ?')
      .bind(email)
      .first<{ n: number; contact_id: string | null }>(),
  ]);
  return { knownContactId: known?.contact_id ?? null, linkedContactId: visitors?.contact_id ?? null, visitors: Number(visitors?.n ?? 0) };
}

export const HOUR_MS = 3600 * 1000;

/** Events accepted from `since` (unix ms) on, counted per hour (`hour` = accepted_at / HOUR_MS) and status. */
export async function countsByHour(db: D1Reader, since: number): Promise<{ hour: number; status: string; n: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT (accepted_at / ${HOUR_MS}) AS h, status, COUNT(*) AS n FROM deliveries
       WHERE accepted_at >= ? AND type <> 'consent-webhook' GROUP BY h, status`,
    )
    .bind(since)
    .all<{ h: number; status: string; n: number }>();
  return results.map((r) => ({ hour: Number(r.h), status: String(r.status), n: Number(r.n) }));
}

export interface DeliveryError {
  id: string;
  type: string;
  status: string;
  error: string;
  at: number;
}

/** Events accepted from `since` on, counted by status now; and the five latest failed or dead with their error. */
export async function deliveryTallies(db: D1Reader, since: number): Promise<{ byStatus: { status: string; n: number }[]; lastErrors: DeliveryError[] }> {
  const [counts, errors] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT status, COUNT(*) AS n FROM deliveries WHERE accepted_at >= ? AND type <> 'consent-webhook' GROUP BY status").bind(since),
    db.prepare(
      `SELECT id, type, status, last_error, updated_at FROM deliveries
       WHERE status IN ('failed', 'dead') AND last_error IS NOT NULL
       ORDER BY updated_at DESC LIMIT 5`,
    ),
  ]);
  return {
    byStatus: (counts?.results ?? []).map((row) => ({ status: String(row.status), n: Number(row.n) })),
    lastErrors: (errors?.results ?? []).map((row) => ({
      id: String(row.id),
      type: String(row.type),
      status: String(row.status),
      error: String(row.last_error),
      at: Number(row.updated_at),
    })),
  };
}
