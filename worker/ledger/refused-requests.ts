// Table refused_requests (migrations/0030_settings.sql): shop-API and platform requests the worker
// refused (4xx), so the setup page shows them. Written after the answer, kept a week; when to record
// one and when to prune are setup/events.ts's decisions, the column limits (path 200, error 500
// characters) are kept here.
import type { D1Reader } from './sessions.ts';

export interface RefusedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  error: string | null;
}

/** Inserts one refused request; with `pruneBefore` (unix ms), deletes the older ones in the same batch. */
export async function insertRefused(db: D1Database, request: RefusedRequest, pruneBefore: number | null): Promise<void> {
  const statements = [
    db
      .prepare('INSERT INTO refused_requests (at, method, path, status, error) VALUES (?, ?, ?, ?, ?)')
      .bind(request.at, request.method, request.path.slice(0, 200), request.status, request.error?.slice(0, 500) ?? null),
  ];
  if (pruneBefore !== null) statements.push(db.prepare('DELETE FROM refused_requests WHERE at < ?').bind(pruneBefore));
  await db.batch(statements);
}

/** The latest refused requests, newest first. */
export async function listRefused(db: D1Reader, limit = 50): Promise<RefusedRequest[]> {
  const { results } = await db
    .prepare('SELECT at, method, path, status, error FROM refused_requests ORDER BY at DESC, id DESC LIMIT ?')
    .bind(limit)
    .all<Record<string, unknown>>();
  return results.map((r) => ({
    at: Number(r.at),
    method: String(r.method),
    path: String(r.path),
    status: Number(r.status),
    error: r.error === null ? null : String(r.error),
  }));
}

/** How many requests were refused from `since` (unix ms) on. */
export async function countRefusedSince(db: D1Reader, since: number): Promise<number> {
  const row = await db.prepare('SELECT COUNT(*) AS n FROM refused_requests WHERE at >= ?').bind(since).first<{ n: number }>();
  return Number(row?.n ?? 0);
}
