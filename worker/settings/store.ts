// The settings saved on the setup page. D1 (migration 0030, ledger/settings.ts) is the record:
// strongly consistent, read by the setup page and the queue consumer, so a save applies to delivery
// at once. Each save also writes a snapshot of the rows to KV, which the other request routes read:
// POST /e and the shop API keep D1 off their path (design: D1 is one writer for the whole collector);
// KV may take up to 60 s to show a save in other locations.
import { readStoredRows, type SettingsChange, type StoredRow } from '../ledger/settings.ts';

export const SNAPSHOT_KEY = 'settings:snapshot';

type Stored = { rows: StoredRow[]; lastChange: SettingsChange | null };

/** The snapshot the last save wrote to KV (secrets still sealed); none when nothing was ever saved. */
export async function readSnapshot(kv: KVNamespace): Promise<Stored> {
  const snapshot = await kv.get<Stored>(SNAPSHOT_KEY, 'json');
  return { rows: Array.isArray(snapshot?.rows) ? snapshot.rows : [], lastChange: snapshot?.lastChange ?? null };
}

/** Copies the stored rows to KV for the request routes (after every save). */
export async function writeSnapshot(db: D1Database, kv: KVNamespace): Promise<void> {
  await kv.put(SNAPSHOT_KEY, JSON.stringify(await readStoredRows(db)));
}
