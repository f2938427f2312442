// Who a visitor is: links visitor ↔ contact (table visitor_links) and the contacts SALESmanago has
// confirmed (table known_contacts). A verified e-mail (shop server, login token) outranks a typed
// one (a form): a typed e-mail never replaces a verified link.
import type { ContactRef } from '../salesmanago/types.ts';
import { normaliseEmail } from './contacts.ts';
import type { AcceptedEvent } from '../queue/messages.ts';

export interface VisitorLink {
  visitorId: string;
  email: string | null;
  contactId: string | null;
  verified: boolean;
}

interface LinkOp {
  visitor: string;
  email?: string;
  contactId?: string;
}

/**
 * Records what this batch's events say about their visitors. Per visitor only the latest claim of
 * each strength is written, weakest first, so that the strongest claim is the one that stays.
 */
export async function applyLinks(db: D1Database, events: readonly AcceptedEvent[], now: number): Promise<void> {
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
  const statements: D1PreparedStatement[] = [];
  if (byContactId.size > 0) {
    // The smclient cookie names a contact; an e-mail link (typed or verified) already says more.
    statements.push(
      db
        .prepare(
          `INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at)
           SELECT json_extract(value, '$.visitor'), NULL, json_extract(value, '$.contactId'), 0, ?2 FROM json_each(?1) WHERE true
           ON CONFLICT (visitor_id) DO UPDATE SET contact_id = excluded.contact_id, updated_at = excluded.updated_at
           WHERE visitor_links.email IS NULL`,
        )
        .bind(JSON.stringify([...byContactId.values()]), now),
    );
  }
  for (const [ops, isVerified] of [[typed, 0], [verified, 1]] as const) {
    if (ops.size === 0) continue;
    statements.push(
      db
        .prepare(
          `INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at)
           SELECT json_extract(j.value, '$.visitor'), json_extract(j.value, '$.email'), k.contact_id, ?2, ?3
           FROM json_each(?1) AS j LEFT JOIN known_contacts AS k ON k.email = json_extract(j.value, '$.email') WHERE true
           ON CONFLICT (visitor_id) DO UPDATE SET
             contact_id = CASE WHEN visitor_links.email IS excluded.email
                               THEN COALESCE(excluded.contact_id, visitor_links.contact_id) ELSE excluded.contact_id END,
             email = excluded.email, verified = excluded.verified, updated_at = excluded.updated_at
           WHERE ?2 = 1 OR visitor_links.verified = 0`,
        )
        .bind(JSON.stringify([...ops.values()]), isVerified, now),
    );
  }
  if (statements.length > 0) await db.batch(statements);
}

export async function loadLinks(db: D1Database, visitorIds: readonly string[]): Promise<Map<string, VisitorLink>> {
  const out = new Map<string, VisitorLink>();
  if (visitorIds.length === 0) return out;
  const { results } = await db
    .prepare(
      `SELECT visitor_id, email, contact_id, verified FROM visitor_links
       WHERE visitor_id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(visitorIds))
    .all<{ visitor_id: string; email: string | null; contact_id: string | null; verified: number }>();
  for (const r of results) {
    out.set(r.visitor_id, { visitorId: r.visitor_id, email: r.email, contactId: r.contact_id, verified: r.verified === 1 });
  }
  return out;
}

/**
 * The contact an event belongs to: the e-mail it carries; else the visitor's verified e-mail; else
 * the smclient contactId it carries; else the visitor's typed e-mail or known contactId; else no one
 * yet (the event is held until the visitor is identified).
 */
export function resolveContact(event: AcceptedEvent, link: VisitorLink | undefined): ContactRef | null {
  if (event.email) return { email: normaliseEmail(event.email) };
  if (link?.verified && link.email) return { email: link.email };
  if (event.contactId) return { contactId: event.contactId };
  if (link?.email) return { email: link.email };
  if (link?.contactId) return { contactId: link.contactId };
  return null;
}

export function isIdentified(link: VisitorLink | undefined): boolean {
  return Boolean(link && (link.email || link.contactId));
}

/** The known_contacts pairs whose `by` column is one of `values`, keyed by that column. */
async function knownPairs(db: D1Database, by: 'email' | 'contact_id', values: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (values.length === 0) return out;
  const { results } = await db
    .prepare(`SELECT email, contact_id FROM known_contacts WHERE ${by} IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify(values))
    .all<{ email: string; contact_id: string }>();
  for (const r of results) out.set(by === 'email' ? r.email : r.contact_id, by === 'email' ? r.contact_id : r.email);
  return out;
}

/** contactIds SALESmanago answered for these e-mails earlier. */
export const knownContacts = (db: D1Database, emails: readonly string[]) => knownPairs(db, 'email', emails);

/** E-mails of known contactIds (so a cart keyed by contactId and a purchase keyed by e-mail meet). */
export const emailsOfContactIds = (db: D1Database, contactIds: readonly string[]) => knownPairs(db, 'contact_id', contactIds);

/** Stores the contactIds of an upsert answer, and on the visitors linked to those e-mails. */
export async function rememberContacts(db: D1Database, contactIds: Record<string, string>, now: number): Promise<void> {
  const rows = Object.entries(contactIds).map(([email, id]) => ({ email: normaliseEmail(email), id }));
  if (rows.length === 0) return;
  const json = JSON.stringify(rows);
  await db.batch([
    db
      .prepare(
        `INSERT INTO known_contacts (email, contact_id, updated_at)
         SELECT json_extract(value, '$.email'), json_extract(value, '$.id'), ?2 FROM json_each(?1) WHERE true
         ON CONFLICT (email) DO UPDATE SET contact_id = excluded.contact_id, updated_at = excluded.updated_at`,
      )
      .bind(json, now),
    db
      .prepare(
        `UPDATE visitor_links SET contact_id = json_extract(j.value, '$.id'), updated_at = ?2
         FROM json_each(?1) AS j
         WHERE visitor_links.email = json_extract(j.value, '$.email')
           AND visitor_links.contact_id IS NOT json_extract(j.value, '$.id')`,
      )
      .bind(json, now),
  ]);
}
