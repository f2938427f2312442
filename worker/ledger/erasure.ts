// An erasure across the whole ledger (GDPR art. 17, consent/erasure.ts decides; this module only holds
// the SQL), plus tables erasures and erased_marks (migrations/0085_privacy.sql).
// Rows of `deliveries` are anonymised (their figures stay: type, status, times); every other row holding
// the person's e-mail, a contact id or a visitor id of theirs is deleted, in EVERY table found in
// sqlite_master: a table added later by another feature is covered without a change here.
import type { StoredReason as Reason } from './reason-kinds.ts';
import type { D1Reader } from './sessions.ts';
import { together, type Step } from './parts.ts';

/** Tables the sweep never touches: the erasure's own records, the settings, D1's and SQLite's own. */
const KEPT_TABLES = new Set(['erased_marks', 'erasures', 'settings', 'settings_changes', 'd1_migrations']);

export interface Person {
  /** Lower-case. */
  email: string;
  contactIds: string[];
  visitorIds: string[];
}

/**
 * The contact ids and visitor ids the ledger links to an e-mail (two rounds: e-mail, then its visitors),
 * over every ledger database (LEDGER first; ledger/databases.ts): each round asks all of them side by
 * side and merges their answers, so that a visitor linked to the e-mail in one database is looked up in
 * every other one (its events and the e-mail's known contact id may be elsewhere). One database, two
 * round trips, as before the split.
 */
export async function personOf(dbs: readonly D1Database[], email: string): Promise<Person> {
  const first = await Promise.all(
    dbs.map((db) =>
      db.batch<{ id: string | null }>([
        db
          .prepare(
            `SELECT contact_id AS id FROM known_contacts WHERE email = ?1
             UNION SELECT contact_id FROM visitor_links WHERE email = ?1 AND contact_id IS NOT NULL`,
          )
          .bind(email),
        db
          .prepare(
            `SELECT visitor_id AS id FROM visitor_links WHERE email = ?1
             UNION SELECT visitor_id FROM deliveries WHERE visitor_id IS NOT NULL AND (contact = ?1 OR instr(lower(payload), '"' || ?1 || '"') > 0)`,
          )
          .bind(email),
      ]),
    ),
  );
  const contactIds = new Set(first.flatMap(([contacts]) => ids(contacts)));
  const visitorIds = new Set(first.flatMap(([, visitors]) => ids(visitors)));
  // The second round: what those contact ids and visitors link to (a visitor known by smclient only).
  const contactJson = JSON.stringify([...contactIds]);
  const visitorJson = JSON.stringify([...visitorIds]);
  const second = await Promise.all(
    dbs.map((db) =>
      db.batch<{ id: string | null }>([
        db.prepare(`SELECT visitor_id AS id FROM visitor_links WHERE contact_id IN (SELECT value FROM json_each(?1))`).bind(contactJson),
        db
          .prepare(
            `SELECT contact_id AS id FROM visitor_links WHERE visitor_id IN (SELECT value FROM json_each(?1)) AND contact_id IS NOT NULL
             UNION SELECT json_extract(payload, '$.event.contactId') FROM deliveries WHERE visitor_id IN (SELECT value FROM json_each(?1))`,
          )
          .bind(visitorJson),
      ]),
    ),
  );
  for (const [moreVisitors, moreContacts] of second) {
    for (const id of ids(moreVisitors)) visitorIds.add(id);
    for (const id of ids(moreContacts)) contactIds.add(id);
  }
  return { email, contactIds: [...contactIds], visitorIds: [...visitorIds] };
}

function ids(result: D1Result<{ id: string | null }> | undefined): string[] {
  return (result?.results ?? []).flatMap((r) => (typeof r.id === 'string' && r.id !== '' ? [r.id] : []));
}

/**
 * Anonymises the person's rows of `deliveries` and deletes their rows everywhere else, in one ledger
 * database (consent/erasure.ts runs it on each). Answers, per
 * table, how many rows were changed. Identifiers are matched inside any text column (a JSON payload,
 * an "email:<address>" key), the e-mail case-insensitively and only as a whole value.
 */
export async function eraseRows(db: D1Database, person: Person, erased: Reason, now: number): Promise<Record<string, number>> {
  const others = JSON.stringify([...person.contactIds, ...person.visitorIds]);
  const removed: Record<string, number> = {};
  const anonymised = await db
    .prepare(
      // A beacon event's id holds its visitor id (ingest/beacon.ts beaconEventId): such ids are replaced
      // by a random one, so the row keeps its figures and loses the visitor.
      `UPDATE deliveries SET contact = NULL, visitor_id = NULL, payload = NULL, updated_at = ?3,
         id = CASE WHEN EXISTS (SELECT 1 FROM json_each(?5) AS v WHERE instr(deliveries.id, v.value) > 0)
                   THEN 'erased:' || lower(hex(randomblob(16))) ELSE id END,
         status = CASE WHEN status IN ('delivered', 'expired') THEN status ELSE 'failed' END,
         last_error = CASE WHEN status IN ('delivered', 'expired') THEN NULL ELSE ?4 END,
         reason_kind = CASE WHEN status IN ('delivered', 'expired') THEN NULL ELSE ?6 END
       WHERE contact = ?1 OR instr(lower(payload), '"' || ?1 || '"') > 0
          OR contact IN (SELECT value FROM json_each(?2)) OR visitor_id IN (SELECT value FROM json_each(?2))
          OR EXISTS (SELECT 1 FROM json_each(?2) AS j WHERE instr(payload, j.value) > 0)`,
    )
    .bind(person.email, others, now, erased.text, JSON.stringify(person.visitorIds), erased.kind)
    .run();
  removed.deliveries = anonymised.meta.changes ?? 0;

  for (const table of await sweptTables(db)) {
    if (table.name === 'deliveries' || table.columns.length === 0) continue;
    const matches = table.columns
      // The e-mail as a whole value only: the column itself, a JSON string ("…"), or the end of a key
      // ("email:…"); never inside another address (erasing a@x.pl must not touch aa@x.pl).
      .map(
        (c) => `(${c} IS NOT NULL AND (lower(${c}) = ?1 OR instr(lower(${c}), '"' || ?1 || '"') > 0 OR substr(lower(${c}), -length(?1) - 1) = ':' || ?1
        OR EXISTS (SELECT 1 FROM json_each(?2) AS j WHERE instr(${c}, j.value) > 0)))`,
      )
      .join(' OR ');
    const res = await db
      .prepare(`DELETE FROM ${quote(table.name)} WHERE ${matches}`)
      .bind(person.email, others)
      .run();
    const n = res.meta.changes ?? 0;
    if (n > 0) removed[table.name] = n;
  }
  return removed;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Every table of ours with its text columns (quoted), read from sqlite_master. */
async function sweptTables(db: D1Database): Promise<{ name: string; columns: string[] }[]> {
  const { results } = await db
    .prepare(
      `SELECT m.name AS tbl, p.name AS col, p.type AS type FROM sqlite_master m, pragma_table_info(m.name) p
       WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_cf_%'`,
    )
    .all<{ tbl: string; col: string; type: string }>();
  const tables = new Map<string, string[]>();
  for (const r of results) {
    if (KEPT_TABLES.has(r.tbl)) continue;
    const columns = tables.get(r.tbl) ?? [];
    // Text columns, and untyped ones (SQLite stores text in them too).
    if (r.type === '' || /TEXT|CHAR|CLOB/i.test(r.type)) columns.push(quote(r.col));
    tables.set(r.tbl, columns);
  }
  return [...tables].map(([name, columns]) => ({ name, columns }));
}

/** Every text value of every table of ours (the erasure test's scan, and /setup's check). */
export async function everyTextValue(db: D1Database): Promise<{ table: string; column: string; value: string }[]> {
  const out: { table: string; column: string; value: string }[] = [];
  const { results } = await db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`)
    .all<{ name: string }>();
  for (const { name } of results) {
    const rows = await db.prepare(`SELECT * FROM ${quote(name)}`).all<Record<string, unknown>>();
    for (const row of rows.results) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'string') out.push({ table: name, column, value });
      }
    }
  }
  return out;
}

export async function addMarks(db: D1Database, hashes: readonly string[], now: number): Promise<void> {
  await db.prepare(`INSERT OR IGNORE INTO erased_marks (hash, erased_at) SELECT value, ?2 FROM json_each(?1)`).bind(JSON.stringify(hashes), now).run();
}

/** Whether any mark exists at all: the consumer hashes identifiers only when one does. */
export function anyMarksStep(db: D1Database): Step<boolean> {
  return { statements: [db.prepare('SELECT 1 AS x FROM erased_marks LIMIT 1')], read: (results) => (results[0]?.results.length ?? 0) > 0 };
}

export async function anyMarks(db: D1Database): Promise<boolean> {
  const [any] = await together(db, anyMarksStep(db));
  return any;
}

/** The hashes of the list that are marks. */
export async function markedAmong(db: D1Database, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const { results } = await db
    .prepare('SELECT hash FROM erased_marks WHERE hash IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(hashes))
    .all<{ hash: string }>();
  return new Set(results.map((r) => r.hash));
}

/**
 * Records suppressed items as refused with reason "erased", without anything of the person: their
 * ledger rows (a shop item has one already) keep id, type and times only. The caller gives a browser
 * event, whose id holds the visitor id, an id of its own ("erased:…").
 */
export async function refuseErased(db: D1Database, rows: readonly { id: string; type: string; source: string }[], erased: Reason, now: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .prepare(
      `INSERT INTO deliveries (id, type, source, status, attempts, last_error, reason_kind, accepted_at, updated_at)
       SELECT j.value ->> 'id', j.value ->> 'type', j.value ->> 'source', 'failed', 0, ?2, ?4, ?3, ?3 FROM json_each(?1) AS j WHERE true
       ON CONFLICT (id) DO UPDATE SET status = 'failed', last_error = ?2, reason_kind = ?4, contact = NULL, visitor_id = NULL, payload = NULL, updated_at = ?3`,
    )
    .bind(JSON.stringify(rows), erased.text, now, erased.kind)
    .run();
}

export interface ErasureRecord {
  id: string;
  requestedAt: number;
  source: string;
  localDoneAt: number | null;
  removed: Record<string, number>;
  smStatus: string;
  smAttempts: number;
  smError: string | null;
  smDoneAt: number | null;
}

export async function insertErasure(db: D1Database, e: { id: string; requestedAt: number; source: string }): Promise<void> {
  await db.prepare(`INSERT INTO erasures (id, requested_at, source, sm_status) VALUES (?1, ?2, ?3, 'queued')`).bind(e.id, e.requestedAt, e.source).run();
}

export async function markLocalDone(db: D1Database, id: string, removed: Record<string, number>, now: number): Promise<void> {
  await db.prepare('UPDATE erasures SET local_done_at = ?2, removed = ?3 WHERE id = ?1').bind(id, now, JSON.stringify(removed)).run();
}

/** One attempt at SALESmanago's delete: its outcome (status stays 'queued' while it is retried). */
export async function recordSmAttempt(db: D1Database, id: string, status: string, error: string | null, now: number): Promise<void> {
  await db
    .prepare(
      `UPDATE erasures SET sm_status = ?2, sm_error = ?3, sm_attempts = sm_attempts + 1,
         sm_done_at = CASE WHEN ?2 = 'queued' THEN NULL ELSE ?4 END WHERE id = ?1`,
    )
    .bind(id, status, error, now)
    .run();
}

export async function recentErasures(db: D1Reader, limit: number): Promise<ErasureRecord[]> {
  const { results } = await db.prepare('SELECT * FROM erasures ORDER BY requested_at DESC LIMIT ?1').bind(limit).all<Record<string, string | number | null>>();
  return results.map(toRecord);
}

function toRecord(r: Record<string, string | number | null>): ErasureRecord {
  return {
    id: String(r.id),
    requestedAt: Number(r.requested_at),
    source: String(r.source),
    localDoneAt: r.local_done_at === null ? null : Number(r.local_done_at),
    removed: r.removed ? (JSON.parse(String(r.removed)) as Record<string, number>) : {},
    smStatus: String(r.sm_status),
    smAttempts: Number(r.sm_attempts),
    smError: r.sm_error === null ? null : String(r.sm_error),
    smDoneAt: r.sm_done_at === null ? null : Number(r.sm_done_at),
  };
}

// Reads of the right of access (consent/access.ts): the same matching as the erasure, one ledger
// database each (the caller asks every one and merges).

export interface PersonDelivery {
  id: string;
  type: string;
  source: string;
  status: string;
  attempts: number;
  last_error: string | null;
  sm_event_id: string | null;
  accepted_at: number;
  updated_at: number;
  payload: string | null;
}

/** The person's rows of `deliveries`, oldest first (at most 10,000). */
export async function deliveriesOf(db: D1Database, person: Person): Promise<PersonDelivery[]> {
  const others = JSON.stringify([...person.contactIds, ...person.visitorIds]);
  const { results } = await db
    .prepare(
      `SELECT id, type, source, status, attempts, last_error, sm_event_id, accepted_at, updated_at, payload FROM deliveries
       WHERE contact = ?1 OR instr(lower(payload), '"' || ?1 || '"') > 0
          OR contact IN (SELECT value FROM json_each(?2)) OR visitor_id IN (SELECT value FROM json_each(?2))
       ORDER BY accepted_at, id LIMIT 10000`,
    )
    .bind(person.email, others)
    .all<PersonDelivery>();
  return results;
}

export async function linksOf(
  db: D1Database,
  person: Person,
): Promise<{ visitor_id: string; contact_id: string | null; verified: number; updated_at: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT visitor_id, contact_id, verified, updated_at FROM visitor_links
       WHERE email = ?1 OR visitor_id IN (SELECT value FROM json_each(?2)) ORDER BY updated_at`,
    )
    .bind(person.email, JSON.stringify(person.visitorIds))
    .all<{ visitor_id: string; contact_id: string | null; verified: number; updated_at: number }>();
  return results;
}

export async function changesOf(db: D1Database, email: string): Promise<{ status: string; changed_at: number; source: string }[]> {
  const { results } = await db
    .prepare('SELECT status, changed_at, source FROM consent_changes WHERE email = ?1 ORDER BY seq')
    .bind(email)
    .all<{ status: string; changed_at: number; source: string }>();
  return results;
}
