// The settings saved on the setup page. D1 (migration 0030) is the record: strongly consistent, read
// by the setup page and the queue consumer, so a save applies to delivery at once. Each save also
// writes a snapshot of the rows to KV, which the other request routes read: POST /e and the shop API
// keep D1 off their path (design: D1 is one writer for the whole collector); KV may take up to 60 s
// to show a save in other locations.
export interface StoredRow {
  name: string;
  value: string;
  updatedAt: number;
}

export interface SettingsChange {
  at: number;
  fields: string[];
}

export async function readStoredRows(db: D1Database): Promise<{ rows: StoredRow[]; lastChange: SettingsChange | null }> {
  const [rows, change] = await db.batch<Record<string, unknown>>([
    db.prepare('SELECT name, value, updated_at FROM settings'),
    db.prepare('SELECT at, fields FROM settings_changes ORDER BY id DESC LIMIT 1'),
  ]);
  const last = change?.results[0];
  return {
    rows: (rows?.results ?? []).map((r) => ({ name: String(r.name), value: String(r.value), updatedAt: Number(r.updated_at) })),
    lastChange: last ? { at: Number(last.at), fields: parseNames(String(last.fields)) } : null,
  };
}

function parseNames(text: string): string[] {
  try {
    const names: unknown = JSON.parse(text);
    return Array.isArray(names) ? names.map(String) : [];
  } catch {
    return [];
  }
}

export const SNAPSHOT_KEY = 'settings:snapshot';

type Stored = { rows: StoredRow[]; lastChange: SettingsChange | null };

/** The snapshot the last save wrote to KV (secrets still sealed); none when nothing was ever saved. */
export async function readSnapshot(kv: KVNamespace): Promise<Stored> {
  const snapshot = await kv.get<Stored>(SNAPSHOT_KEY, 'json');
  return { rows: Array.isArray(snapshot?.rows) ? snapshot.rows : [], lastChange: snapshot?.lastChange ?? null };
}

/** Writes the changed settings (null = removed) and one change record, in one transaction. */
export async function writeSettings(db: D1Database, changes: { name: string; value: string | null }[], now: number): Promise<void> {
  if (changes.length === 0) return;
  const statements = changes.map((c) =>
    c.value === null
      ? db.prepare('DELETE FROM settings WHERE name = ?').bind(c.name)
      : db
          .prepare('INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET value = ?2, updated_at = ?3')
          .bind(c.name, c.value, now),
  );
  statements.push(db.prepare('INSERT INTO settings_changes (at, fields) VALUES (?, ?)').bind(now, JSON.stringify(changes.map((c) => c.name))));
  await db.batch(statements);
}

/** Copies the stored rows to KV for the request routes (after every save). */
export async function writeSnapshot(db: D1Database, kv: KVNamespace): Promise<void> {
  await kv.put(SNAPSHOT_KEY, JSON.stringify(await readStoredRows(db)));
}
