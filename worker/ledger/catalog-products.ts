// Table catalog_products (migrations/0075_catalog_products.sql): the product catalog's dedupe and
// delivery state, one row per product id. worker/catalog/ decides; these are its statements.
// Every write after acceptance names the hash it is about: a result for an older version never
// overwrites the state of a newer one accepted meanwhile.
import { runParts } from './parts.ts';
import type { D1Reader } from './sessions.ts';

type CatalogStatus = 'queued' | 'sent' | 'failed';

export interface CatalogRow {
  id: string;
  hash: string;
  status: CatalogStatus;
  attempts: number;
  sentHash: string | null;
  sentCatalog: string | null;
  /** The version SALESmanago has (JSON), or null. */
  sentPayload: string | null;
}

interface Raw {
  product_id: string;
  hash: string;
  status: CatalogStatus;
  attempts: number;
  sent_hash: string | null;
  sent_catalog: string | null;
  sent_payload: string | null;
}

export async function loadCatalogRows(db: D1Database, ids: readonly string[]): Promise<Map<string, CatalogRow>> {
  const out = new Map<string, CatalogRow>();
  const results = await runParts<Raw>(db, [...new Set(ids)], (json) =>
    db
      .prepare(
        `SELECT product_id, hash, status, attempts, sent_hash, sent_catalog, sent_payload
         FROM catalog_products WHERE product_id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(json),
  );
  for (const r of results.flatMap((res) => res.results)) {
    out.set(r.product_id, {
      id: r.product_id,
      hash: r.hash,
      status: r.status,
      attempts: r.attempts,
      sentHash: r.sent_hash,
      sentCatalog: r.sent_catalog,
      sentPayload: r.sent_payload,
    });
  }
  return out;
}

/** Records accepted versions: each becomes the row's latest, queued, with a fresh attempt count. */
export async function recordAccepted(db: D1Database, rows: readonly { id: string; hash: string; payload: string }[], now: number): Promise<void> {
  await runParts(
    db,
    rows.map((r) => [r.id, r.hash, r.payload]),
    (json) =>
      db
        .prepare(
          `INSERT INTO catalog_products (product_id, hash, payload, status, attempts, accepted_at, updated_at)
         SELECT value ->> 0, value ->> 1, value ->> 2, 'queued', 0, ?2, ?2 FROM json_each(?1) WHERE true
         ON CONFLICT (product_id) DO UPDATE SET hash = excluded.hash, payload = excluded.payload, status = 'queued',
           attempts = 0, reason_code = NULL, error = NULL, accepted_at = excluded.accepted_at, updated_at = excluded.updated_at`,
        )
        .bind(json, now),
  );
}

/**
 * SALESmanago has these versions now (in `catalogId`). A row whose latest version is the one sent is
 * 'sent'; one accepted again meanwhile stays queued for its own message. `warning`: a reason-12 note.
 */
export async function markSent(
  db: D1Database,
  rows: readonly { id: string; hash: string; payload: string; warning?: string }[],
  catalogId: string,
  now: number,
): Promise<void> {
  await runParts(
    db,
    rows.map((r) => [r.id, r.hash, r.payload, r.warning ?? null]),
    (json) =>
      db
        .prepare(
          `UPDATE catalog_products SET sent_hash = j.value ->> 1, sent_payload = j.value ->> 2, sent_catalog = ?2,
           status = CASE WHEN catalog_products.hash = j.value ->> 1 THEN 'sent' ELSE catalog_products.status END,
           reason_code = CASE WHEN catalog_products.hash = j.value ->> 1 AND j.value ->> 3 IS NOT NULL THEN 12 ELSE NULL END,
           error = CASE WHEN catalog_products.hash = j.value ->> 1 THEN j.value ->> 3 ELSE catalog_products.error END,
           updated_at = ?3
         FROM json_each(?1) AS j WHERE catalog_products.product_id = j.value ->> 0`,
        )
        .bind(json, catalogId, now),
  );
}

/** A try that did not settle the version: counted, with the reason, still queued (or failed when `final`). */
export async function markOutcome(
  db: D1Database,
  rows: readonly { id: string; hash: string; status: 'queued' | 'failed'; reasonCode: number | null; error: string }[],
  now: number,
  options: { counted?: boolean } = {},
): Promise<void> {
  const step = options.counted === false ? 0 : 1;
  await runParts(
    db,
    rows.map((r) => [r.id, r.hash, r.status, r.reasonCode, r.error.slice(0, 1000)]),
    (json) =>
      db
        .prepare(
          `UPDATE catalog_products SET status = j.value ->> 2, reason_code = j.value ->> 3, error = j.value ->> 4,
           attempts = catalog_products.attempts + ?3, updated_at = ?2
         FROM json_each(?1) AS j WHERE catalog_products.product_id = j.value ->> 0 AND catalog_products.hash = j.value ->> 1`,
        )
        .bind(json, now, step),
  );
}

/** Versions still queued since before `before` (their queue message was refused or lost): the hourly re-send. */
export async function staleQueued(db: D1Database, before: number, limit: number): Promise<{ id: string; payload: string }[]> {
  const res = await db
    .prepare(`SELECT product_id AS id, payload FROM catalog_products WHERE status = 'queued' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2`)
    .bind(before, limit)
    .all<{ id: string; payload: string }>();
  return res.results;
}

/** Marks rows as just re-sent (so the next sweep waits again). */
export async function touchQueued(db: D1Database, ids: readonly string[], now: number): Promise<void> {
  await runParts(db, ids, (json) =>
    db.prepare(`UPDATE catalog_products SET updated_at = ?2 WHERE status = 'queued' AND product_id IN (SELECT value FROM json_each(?1))`).bind(json, now),
  );
}

export interface CatalogFigures {
  queued: number;
  sent: number;
  failed: number;
  recentFailures: { id: string; reasonCode: number | null; error: string | null; at: number }[];
}

/** For /setup: counts by status and the latest permanent failures. */
export async function catalogFigures(db: D1Reader): Promise<CatalogFigures> {
  const [counts, failures] = await db.batch([
    db.prepare(`SELECT status, COUNT(*) AS n FROM catalog_products GROUP BY status`),
    db.prepare(
      `SELECT product_id AS id, reason_code AS reasonCode, error, updated_at AS at FROM catalog_products WHERE status = 'failed' ORDER BY updated_at DESC LIMIT 10`,
    ),
  ]);
  const by = new Map((counts!.results as { status: string; n: number }[]).map((r) => [r.status, r.n]));
  return {
    queued: by.get('queued') ?? 0,
    sent: by.get('sent') ?? 0,
    failed: by.get('failed') ?? 0,
    recentFailures: failures!.results as CatalogFigures['recentFailures'],
  };
}

/** The currency of the latest accepted product that has one (a new catalog's suggestion on /setup). */
export async function latestCurrency(db: D1Reader): Promise<string | null> {
  const row = await db
    .prepare(`SELECT payload ->> '$.currency' AS currency FROM catalog_products WHERE payload ->> '$.currency' IS NOT NULL ORDER BY accepted_at DESC LIMIT 1`)
    .first<{ currency: string }>();
  return row?.currency ?? null;
}
