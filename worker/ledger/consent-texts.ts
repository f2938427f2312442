// Table consent_texts (migrations/0086_consent_texts.sql): the consent texts of /setup, one row per
// version. A save that changes nothing adds no version (consent/texts.ts decides; this is the SQL).
import type { D1Reader } from './sessions.ts';

export interface ConsentText {
  name: string;
  version: string;
  seq: number;
  text: string;
  smName: string | null;
  smId: string | null;
  createdAt: number;
}

/** Adds the next version of a text unless the latest one is identical. Answers whether one was added. */
export async function addTextVersion(
  db: D1Database,
  t: { name: string; text: string; smName: string | null; smId: string | null },
  now: number,
): Promise<boolean> {
  const res = await db
    .prepare(
      `INSERT INTO consent_texts (name, version, seq, text, sm_name, sm_id, created_at)
       SELECT ?1, CAST(n AS TEXT), n, ?2, ?3, ?4, ?5 FROM (SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM consent_texts WHERE name = ?1)
       WHERE NOT EXISTS (
         SELECT 1 FROM consent_texts l WHERE l.name = ?1 AND l.seq = (SELECT MAX(seq) FROM consent_texts WHERE name = ?1)
           AND l.text = ?2 AND l.sm_name IS ?3 AND l.sm_id IS ?4)`,
    )
    .bind(t.name, t.text, t.smName, t.smId, now)
    .run();
  return (res.meta.changes ?? 0) > 0;
}

/** Every version of every text, newest first per name. */
export async function allTexts(db: D1Reader): Promise<ConsentText[]> {
  const { results } = await db
    .prepare('SELECT name, version, seq, text, sm_name, sm_id, created_at FROM consent_texts ORDER BY name, seq DESC')
    .all<{ name: string; version: string; seq: number; text: string; sm_name: string | null; sm_id: string | null; created_at: number }>();
  return results.map((r) => ({ name: r.name, version: r.version, seq: r.seq, text: r.text, smName: r.sm_name, smId: r.sm_id, createdAt: r.created_at }));
}
