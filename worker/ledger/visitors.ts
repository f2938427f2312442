// Who a visitor is, as stored (tables visitor_links and known_contacts, migrations/0002_identity.sql
// and 0004_delivery.sql): the claims events make about their visitors, and the contactIds SALESmanago
// answered for e-mails. The rules deciding which claim wins are here in SQL because they must hold
// against concurrent batches; delivery/visitors.ts says which claims an event makes.
import { deleteOlderThan, partsStep, runParts, type Step } from './parts.ts';
import { laggingReads } from './sessions.ts';

export interface VisitorLink {
  visitorId: string;
  email: string | null;
  contactId: string | null;
  verified: boolean;
}

/** One claim about a visitor: a normalised e-mail, or the smclient contactId. */
export interface LinkOp {
  visitor: string;
  email?: string;
  contactId?: string;
}

/**
 * Writes the claims of one batch, weakest first (one statement per kind of claim). A contactId claim
 * never replaces an e-mail link; a typed e-mail never replaces a verified one.
 */
export function writeLinksStep(
  db: D1Database,
  ops: { byContactId: readonly LinkOp[]; typed: readonly LinkOp[]; verified: readonly LinkOp[] },
  now: number,
): Step<void> {
  const statements: D1PreparedStatement[] = [];
  if (ops.byContactId.length > 0) {
    // The smclient cookie names a contact; an e-mail link (typed or verified) already says more.
    statements.push(
      db
        .prepare(
          `INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at)
           SELECT json_extract(value, '$.visitor'), NULL, json_extract(value, '$.contactId'), 0, ?2 FROM json_each(?1) WHERE true
           ON CONFLICT (visitor_id) DO UPDATE SET contact_id = excluded.contact_id, updated_at = excluded.updated_at
           WHERE visitor_links.email IS NULL`,
        )
        .bind(JSON.stringify(ops.byContactId), now),
    );
  }
  for (const [list, isVerified] of [
    [ops.typed, 0],
    [ops.verified, 1],
  ] as const) {
    if (list.length === 0) continue;
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
        .bind(JSON.stringify(list), isVerified, now),
    );
  }
  return { statements, read: () => undefined };
}

export function loadLinksStep(db: D1Database, visitorIds: readonly string[]): Step<Map<string, VisitorLink>> {
  const statements =
    visitorIds.length === 0
      ? []
      : [
          db
            .prepare(
              `SELECT visitor_id, email, contact_id, verified FROM visitor_links
               WHERE visitor_id IN (SELECT value FROM json_each(?1))`,
            )
            .bind(JSON.stringify(visitorIds)),
        ];
  type Row = { visitor_id: string; email: string | null; contact_id: string | null; verified: number };
  return {
    statements,
    read: (results) => {
      const out = new Map<string, VisitorLink>();
      for (const r of (results[0]?.results ?? []) as Row[]) {
        out.set(r.visitor_id, { visitorId: r.visitor_id, email: r.email, contactId: r.contact_id, verified: r.verified === 1 });
      }
      return out;
    },
  };
}

/**
 * The SALESmanago contactId linked to this visitor, if any (answered to the tracker by POST /e). Read
 * off the writer, on a replica that may lag: the answer is only a courtesy for the tracker's cookie, and
 * a link written moments ago is answered to a later beacon. After an erasure a lagging replica may still
 * answer the erased id: the consumer refuses every item naming it (consent/suppression.ts).
 */
export async function contactIdOfVisitor(db: D1Database, visitor: string): Promise<string | undefined> {
  const row = await laggingReads(db)
    .prepare('SELECT contact_id FROM visitor_links WHERE visitor_id = ? AND contact_id IS NOT NULL')
    .bind(visitor)
    .first<{ contact_id: string }>();
  return row?.contact_id ?? undefined;
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

/** Stores SALESmanago's contactIds (e-mails normalised), and sets them on the visitors linked to those e-mails. */
export function storeContactIdsStep(db: D1Database, rows: readonly { email: string; id: string }[], now: number): Step<void> {
  if (rows.length === 0) return { statements: [], read: () => undefined };
  const json = JSON.stringify(rows);
  return {
    statements: [
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
    ],
    read: () => undefined,
  };
}

/** Of these (normalised) e-mails, those whose data came from the shop (known_contacts.trusted). */
export async function trustedContacts(db: D1Database, emails: readonly string[]): Promise<string[]> {
  const parts = await runParts<{ email: string }>(db, emails, (json) =>
    db.prepare('SELECT email FROM known_contacts WHERE trusted = 1 AND email IN (SELECT value FROM json_each(?1))').bind(json),
  );
  return parts.flatMap((p) => p.results.map((r) => r.email));
}

/** Marks known contacts as holding the shop's data (after storeContactIdsStep has written them). */
export function markTrustedContactsStep(db: D1Database, emails: readonly string[]): Step<void> {
  const update = db.prepare('UPDATE known_contacts SET trusted = 1 WHERE trusted = 0 AND email IN (SELECT value FROM json_each(?1))');
  return partsStep(emails, (json) => update.bind(json));
}

/** Retention: at most `limit` links last updated before `before`. */
export const pruneVisitorLinks = (db: D1Database, before: number, limit: number) => deleteOlderThan(db, 'visitor_links', 'updated_at', before, limit);

/** Retention: at most `limit` known contacts last updated before `before`. */
export const pruneKnownContacts = (db: D1Database, before: number, limit: number) => deleteOlderThan(db, 'known_contacts', 'updated_at', before, limit);
