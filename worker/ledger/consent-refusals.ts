// Table consent_refusals (migrations/0111_consent_refusals.sql): consent names SALESmanago refused.
// SQL only; consent/account-consents.ts decides.

export interface ConsentRefusal {
  smName: string;
  message: string;
  refusedAt: number;
}

export async function recordRefusals(db: D1Database, refusals: readonly ConsentRefusal[]): Promise<void> {
  if (refusals.length === 0) return;
  await db
    .prepare(
      `INSERT INTO consent_refusals (sm_name, message, refused_at)
       SELECT json_extract(value, '$.smName'), json_extract(value, '$.message'), json_extract(value, '$.refusedAt') FROM json_each(?1) WHERE true
       ON CONFLICT (sm_name) DO UPDATE SET message = excluded.message, refused_at = excluded.refused_at`,
    )
    .bind(JSON.stringify(refusals))
    .run();
}

export async function allRefusals(db: D1Database): Promise<ConsentRefusal[]> {
  const { results } = await db
    .prepare('SELECT sm_name, message, refused_at FROM consent_refusals ORDER BY refused_at DESC')
    .all<{ sm_name: string; message: string; refused_at: number }>();
  return results.map((r) => ({ smName: r.sm_name, message: r.message, refusedAt: r.refused_at }));
}

/** A new version of a text naming it: the merchant may have created the consent in SALESmanago since. */
export async function clearRefusal(db: D1Database, smName: string): Promise<void> {
  await db.prepare('DELETE FROM consent_refusals WHERE sm_name = ?1').bind(smName).run();
}
