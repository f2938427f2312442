// Table platform_pulls (migrations/0100_platform_pulls.sql): where each platform's reconciliation pull
// stands (platforms/reconcile.ts decides what the cursor means; here it is an opaque JSON text).

export interface PullState {
  platform: string;
  cursor: string | null;
  pulledUntil: number | null;
  runningSince: number | null;
  lastRunAt: number | null;
  lastSuccessAt: number | null;
  lastFound: number;
  lastMissing: number;
  lastError: string | null;
}

interface Row {
  platform: string;
  cursor: string | null;
  pulled_until: number | null;
  running_since: number | null;
  last_run_at: number | null;
  last_success_at: number | null;
  last_found: number;
  last_missing: number;
  last_error: string | null;
}

export async function pullState(db: D1Database, platform: string): Promise<PullState | null> {
  const r = await db.prepare('SELECT * FROM platform_pulls WHERE platform = ?').bind(platform).first<Row>();
  return r
    ? {
        platform: r.platform,
        cursor: r.cursor,
        pulledUntil: r.pulled_until,
        runningSince: r.running_since,
        lastRunAt: r.last_run_at,
        lastSuccessAt: r.last_success_at,
        lastFound: r.last_found,
        lastMissing: r.last_missing,
        lastError: r.last_error,
      }
    : null;
}

/** Takes the run's lease: false while another run started after `staleBefore` holds it. */
export async function claimPull(db: D1Database, platform: string, now: number, staleBefore: number): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO platform_pulls (platform, running_since) VALUES (?1, ?2)
       ON CONFLICT (platform) DO UPDATE SET running_since = ?2 WHERE running_since IS NULL OR running_since < ?3`,
    )
    .bind(platform, now, staleBefore)
    .run();
  return result.meta.changes > 0;
}

/** Saves where the pull stands after a page (the cursor), so a later run resumes there. */
export async function saveCursor(db: D1Database, platform: string, cursor: string | null, pulledUntil: number | null): Promise<void> {
  await db
    .prepare('UPDATE platform_pulls SET cursor = ?2, pulled_until = COALESCE(?3, pulled_until) WHERE platform = ?1')
    .bind(platform, cursor, pulledUntil)
    .run();
}

/** Ends a run: its figures, the lease released; `success` dates the last pull that completed its window. */
export async function finishPull(
  db: D1Database,
  platform: string,
  run: { at: number; found: number; missing: number; error: string | null; success: boolean },
): Promise<void> {
  await db
    .prepare(
      `UPDATE platform_pulls SET running_since = NULL, last_run_at = ?2, last_found = ?3, last_missing = ?4, last_error = ?5,
       last_success_at = CASE WHEN ?6 THEN ?2 ELSE last_success_at END WHERE platform = ?1`,
    )
    .bind(platform, run.at, run.found, run.missing, run.error, run.success ? 1 : 0)
    .run();
}
