// The open CART event of each contact (table open_carts, migrations/0004_delivery.sql): its
// SALESmanago eventId, kept 12 h like the official plugins do (delivery/carts.ts says why).
import { partsStep, type Step } from './parts.ts';
import type { D1Reader } from './sessions.ts';

const CART_OPEN_FOR_MS = 12 * 3600 * 1000;

/** eventIds of carts opened less than 12 h ago. */
export async function openCarts(db: D1Reader, keys: readonly string[], now: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (keys.length === 0) return out;
  const { results } = await db
    .prepare(
      `SELECT contact_key, event_id FROM open_carts
       WHERE contact_key IN (SELECT value FROM json_each(?1)) AND opened_at > ?2`,
    )
    .bind(JSON.stringify(keys), now - CART_OPEN_FOR_MS)
    .all<{ contact_key: string; event_id: string }>();
  for (const r of results) out.set(r.contact_key, r.event_id);
  return out;
}

/** Carts opened by a CART add (their eventIds), and carts updated in place (their time). */
export function writeCartsStep(db: D1Database, opened: readonly { key: string; eventId: string }[], touched: readonly string[], now: number): Step<void> {
  const open = partsStep(opened, (json) =>
    db
      .prepare(
        `INSERT INTO open_carts (contact_key, event_id, opened_at, updated_at)
         SELECT json_extract(value, '$.key'), json_extract(value, '$.eventId'), ?2, ?2 FROM json_each(?1) WHERE true
         ON CONFLICT (contact_key) DO UPDATE SET event_id = excluded.event_id, opened_at = excluded.opened_at,
           updated_at = excluded.updated_at`,
      )
      .bind(json, now),
  );
  const touch = partsStep(touched, (json) =>
    db.prepare('UPDATE open_carts SET updated_at = ?2 WHERE contact_key IN (SELECT value FROM json_each(?1))').bind(json, now),
  );
  return { statements: [...open.statements, ...touch.statements], read: () => undefined, split: open.split || touch.split };
}

export async function closeCarts(db: D1Database, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.prepare('DELETE FROM open_carts WHERE contact_key IN (SELECT value FROM json_each(?1))').bind(JSON.stringify(keys)).run();
}

/** Scheduled: forgets carts older than 12 h. Answers how many. */
export async function pruneCarts(db: D1Database, now: number): Promise<number> {
  const res = await db
    .prepare('DELETE FROM open_carts WHERE opened_at <= ?1')
    .bind(now - CART_OPEN_FOR_MS)
    .run();
  return res.meta.changes ?? 0;
}
