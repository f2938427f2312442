// Tables settings and settings_changes (migrations/0030_settings.sql): the settings saved on the setup
// page, one row per name, and one change record per save (names only, never values). Read and written
// together, so one module holds both; the KV snapshot and what a save means stay in settings/.
export interface StoredRow {
  name: string;
  value: string;
  updatedAt: number;
}

export interface SettingsChange {
  at: number;
  fields: string[];
}

/** Every stored setting and the last change record, read in one batch (one consistent view). */
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
