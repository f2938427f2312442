// Table consent_proofs (migrations/0085_privacy.sql): one row per consent statement, append-only.
// The domain (consent/proof.ts) decides what a statement is; this module only writes and reads rows.
import { runParts } from './parts.ts';
import type { D1Reader } from './sessions.ts';

export interface ProofRow {
  email?: string;
  contactId?: string;
  name: string;
  accepted: boolean;
  statedAt: number;
  receivedAt: number;
  source: string;
  pageUrl?: string;
  formId?: string;
  orderId?: string;
  deliveryId?: string;
  version?: string;
  ip?: string;
  userAgent?: string;
  /** On read: the text of that version, when it was defined on /setup. */
  text?: string;
}

const INSERT_PROOFS = `INSERT INTO consent_proofs (email, contact_id, name, accepted, stated_at, received_at, source, page_url, form_id, order_id, delivery_id, version, ip, user_agent)
         SELECT j.value ->> 'email', j.value ->> 'contactId', j.value ->> 'name', CASE WHEN j.value ->> 'accepted' THEN 1 ELSE 0 END,
                j.value ->> 'statedAt', j.value ->> 'receivedAt', j.value ->> 'source', j.value ->> 'pageUrl', j.value ->> 'formId',
                j.value ->> 'orderId', j.value ->> 'deliveryId',
                -- Without a version, the version of the consent's text current at receipt (/setup, consent_texts).
                COALESCE(j.value ->> 'version', (SELECT t.version FROM consent_texts t WHERE t.name = j.value ->> 'name' ORDER BY t.seq DESC LIMIT 1)),
                j.value ->> 'ip', j.value ->> 'userAgent'
         FROM json_each(?1) AS j ORDER BY j.key`;

/** Appends the rows (several statements when the list is long; see parts.ts). */
export async function appendProofs(db: D1Database, rows: readonly ProofRow[]): Promise<void> {
  if (rows.length === 0) return;
  await runParts(db, rows, (json) => db.prepare(INSERT_PROOFS).bind(json));
}

/** One statement appending a few rows, to run in the same D1 batch as the ledger rows (ingest/enqueue.ts `alongside`). */
export function proofsStatement(db: D1Database, rows: readonly ProofRow[]): D1PreparedStatement {
  return db.prepare(INSERT_PROOFS).bind(JSON.stringify(rows));
}

/** Every statement recorded for a (lower-case) e-mail, oldest first (by receipt, then by record order). */
export async function proofsOf(db: D1Reader, email: string): Promise<(ProofRow & { id: number })[]> {
  const { results } = await db
    .prepare(
      `SELECT p.id, p.email, p.contact_id, p.name, p.accepted, p.stated_at, p.received_at, p.source, p.page_url, p.form_id, p.order_id,
              p.delivery_id, p.version, p.ip, p.user_agent, t.text
       FROM consent_proofs p LEFT JOIN consent_texts t ON t.name = p.name AND t.version = p.version
       WHERE p.email = ?1 ORDER BY p.stated_at, p.id`,
    )
    .bind(email)
    .all<Record<string, string | number | null>>();
  return results.map((r) => {
    const row: ProofRow & { id: number } = {
      id: Number(r.id),
      name: String(r.name),
      accepted: r.accepted === 1,
      statedAt: Number(r.stated_at),
      receivedAt: Number(r.received_at),
      source: String(r.source),
    };
    const optional: [keyof ProofRow, string][] = [
      ['email', 'email'],
      ['contactId', 'contact_id'],
      ['pageUrl', 'page_url'],
      ['formId', 'form_id'],
      ['orderId', 'order_id'],
      ['deliveryId', 'delivery_id'],
      ['version', 'version'],
      ['ip', 'ip'],
      ['userAgent', 'user_agent'],
      ['text', 'text'],
    ];
    for (const [key, column] of optional)
      if (r[column] !== null && r[column] !== undefined) (row as unknown as Record<string, unknown>)[key] = String(r[column]);
    return row;
  });
}

/**
 * Retention: deletes at most `limit` statements received before `before` whose consent no longer stands,
 * i.e. a later statement of the same person and consent exists that withdrew it, received before
 * `before` as well. A consent that stands keeps its whole history (docs/privacy.md "Retention").
 */
export async function pruneWithdrawnProofs(db: D1Database, before: number, limit: number): Promise<number> {
  const res = await db
    .prepare(
      `DELETE FROM consent_proofs WHERE id IN (
         SELECT p.id FROM consent_proofs p
         WHERE p.received_at < ?1 AND EXISTS (
           SELECT 1 FROM consent_proofs w
           WHERE w.email IS p.email AND w.name = p.name AND w.accepted = 0 AND w.received_at < ?1 AND w.id >= p.id
             AND NOT EXISTS (SELECT 1 FROM consent_proofs a WHERE a.email IS w.email AND a.name = w.name AND a.accepted = 1 AND a.id > w.id)
         )
         LIMIT ?2)`,
    )
    .bind(before, limit)
    .run();
  return res.meta.changes ?? 0;
}

/** Deletes every statement of the (lower-case) addresses. */
export async function deleteProofsOf(db: D1Database, emails: readonly string[]): Promise<void> {
  await db.prepare('DELETE FROM consent_proofs WHERE email IN (SELECT value FROM json_each(?1))').bind(JSON.stringify(emails)).run();
}

/** The IP and text version of the statements carried by these ledger items (a shop contact's named consents). */
export async function proofsOfItems(
  db: D1Database,
  deliveryIds: readonly string[],
): Promise<{ deliveryId: string; name: string; statedAt: number; ip: string | null; version: string | null }[]> {
  if (deliveryIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT delivery_id, name, stated_at, ip, version FROM consent_proofs
       WHERE delivery_id IN (SELECT value FROM json_each(?1)) ORDER BY id`,
    )
    .bind(JSON.stringify([...new Set(deliveryIds)]))
    .all<{ delivery_id: string; name: string; stated_at: number; ip: string | null; version: string | null }>();
  return results.map((r) => ({ deliveryId: r.delivery_id, name: r.name, statedAt: Number(r.stated_at), ip: r.ip, version: r.version }));
}
