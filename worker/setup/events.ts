// What the setup page's events list, contact view and hourly chart read: the delivery ledger (one row
// per accepted event, migration 0001), the refused shop-API/platform requests (0030), the visitor
// links and known contacts (0002, 0004), and the consent in KV. Plain functions over the bindings.
import { createMiddleware } from 'hono/factory';
import { readConsent, type StoredConsent } from '../consent/store.ts';
import type { AppEnv } from '../env.ts';
import { inBackground } from '../http/background.ts';
import { logError } from '../log.ts';

export const EVENT_STATUSES = ['queued', 'held', 'delivered', 'failed', 'dead', 'expired'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export const EVENT_TYPES = [
  'visit', 'cart', 'login', 'offer', 'newsletter', 'survey', 'purchase', 'return', 'cancellation', 'contact',
] as const;

export interface EventFilter {
  type?: string;
  status?: string;
  email?: string;
  limit?: number;
}

export interface EventRow {
  id: string;
  type: string;
  source: string;
  contact: string | null;
  status: string;
  attempts: number;
  /** SALESmanago's answer: its error, or the event id it gave. */
  error: string | null;
  smEventId: string | null;
  acceptedAt: number;
  updatedAt: number;
}

export interface RefusedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  error: string | null;
}

/** Reads a filter from the query; unknown values are dropped (never an error: it is a view). */
export function readFilter(query: Record<string, string | undefined>): EventFilter {
  const type = (EVENT_TYPES as readonly string[]).includes(query.type ?? '') ? query.type : undefined;
  const status = (EVENT_STATUSES as readonly string[]).includes(query.status ?? '') ? query.status : undefined;
  const email = (query.email ?? '').trim().toLowerCase().slice(0, 254) || undefined;
  return { ...(type ? { type } : {}), ...(status ? { status } : {}), ...(email ? { email } : {}) };
}

export async function listEvents(db: D1Database, filter: EventFilter): Promise<EventRow[]> {
  const where = ["type <> 'consent-webhook'"];
  const binds: unknown[] = [];
  if (filter.type) {
    binds.push(filter.type);
    where.push(`type = ?${binds.length}`);
  }
  if (filter.status) {
    binds.push(filter.status);
    where.push(`status = ?${binds.length}`);
  }
  if (filter.email) {
    // An event belongs to the e-mail when it was recorded with it, or came from a visitor linked to it.
    binds.push(filter.email);
    const n = binds.length;
    where.push(`(contact = ?${n} OR visitor_id IN (SELECT visitor_id FROM visitor_links WHERE email = ?${n})
      OR contact IN (SELECT contact_id FROM known_contacts WHERE email = ?${n}))`);
  }
  binds.push(Math.max(1, Math.min(filter.limit ?? 100, 500)));
  const { results } = await db
    .prepare(
      `SELECT id, type, source, contact, status, attempts, last_error, sm_event_id, accepted_at, updated_at
       FROM deliveries WHERE ${where.join(' AND ')} ORDER BY accepted_at DESC, id LIMIT ?${binds.length}`,
    )
    .bind(...binds)
    .all<Record<string, unknown>>();
  return results.map((r) => ({
    id: String(r.id),
    type: String(r.type),
    source: String(r.source),
    contact: r.contact === null ? null : String(r.contact),
    status: String(r.status),
    attempts: Number(r.attempts),
    error: r.last_error === null ? null : String(r.last_error),
    smEventId: r.sm_event_id === null ? null : String(r.sm_event_id),
    acceptedAt: Number(r.accepted_at),
    updatedAt: Number(r.updated_at),
  }));
}

export async function listRefused(db: D1Database, limit = 50): Promise<RefusedRequest[]> {
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

const KEEP_REFUSED_MS = 7 * 24 * 3600 * 1000;

/** Records a refused shop-API or platform request (after the answer; never throws). */
export async function recordRefused(db: D1Database, request: Omit<RefusedRequest, 'at'>, now = Date.now()): Promise<void> {
  try {
    const statements = [
      db
        .prepare('INSERT INTO refused_requests (at, method, path, status, error) VALUES (?, ?, ?, ?, ?)')
        .bind(now, request.method, request.path.slice(0, 200), request.status, request.error?.slice(0, 500) ?? null),
    ];
    // Kept a week; pruned now and then rather than by a job of its own.
    if (Math.random() < 0.05) statements.push(db.prepare('DELETE FROM refused_requests WHERE at < ?').bind(now - KEEP_REFUSED_MS));
    await db.batch(statements);
  } catch (err) {
    logError('could not record a refused request', {}, err);
  }
}

export interface ContactView {
  email: string;
  consent: StoredConsent | null;
  contactId: string | null;
  visitors: number;
  events: EventRow[];
}

export async function contactView(db: D1Database, kv: KVNamespace, email: string): Promise<ContactView> {
  const [consent, known, visitors, events] = await Promise.all([
    readConsent(kv, email),
    db.prepare('SELECT contact_id FROM known_contacts WHERE email = ?').bind(email).first<{ contact_id: string }>(),
    db.prepare('SELECT COUNT(*) AS n, MAX(contact_id) AS contact_id FROM visitor_links WHERE email = ?').bind(email).first<{ n: number; contact_id: string | null }>(),
    listEvents(db, { email, limit: 50 }),
  ]);
  return {
    email,
    consent,
    contactId: known?.contact_id ?? visitors?.contact_id ?? null,
    visitors: Number(visitors?.n ?? 0),
    events,
  };
}

export interface HourlyFigures {
  /** Start of each of the 24 hours, oldest first (unix ms). */
  hours: number[];
  /** Counts per hour, by status. */
  counts: Record<EventStatus, number[]>;
}

const HOUR_MS = 3600 * 1000;

export async function hourlyFigures(db: D1Database, now: number): Promise<HourlyFigures> {
  const first = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const { results } = await db
    .prepare(
      `SELECT (accepted_at / ${HOUR_MS}) AS h, status, COUNT(*) AS n FROM deliveries
       WHERE accepted_at >= ? AND type <> 'consent-webhook' GROUP BY h, status`,
    )
    .bind(first)
    .all<{ h: number; status: string; n: number }>();
  const hours = Array.from({ length: 24 }, (_, i) => first + i * HOUR_MS);
  const counts = Object.fromEntries(EVENT_STATUSES.map((s) => [s, hours.map(() => 0)])) as Record<EventStatus, number[]>;
  for (const r of results) {
    const i = Math.floor(Number(r.h)) - first / HOUR_MS;
    const row = counts[r.status as EventStatus];
    if (row && i >= 0 && i < 24) row[i] = (row[i] ?? 0) + Number(r.n);
  }
  return { hours, counts };
}

// At most this many refusals recorded per isolate and minute: a flood of bad requests must not turn
// into a flood of D1 writes (the page needs examples, not every copy).
const RECORD_PER_MINUTE = 60;
let windowStart = 0;
let recorded = 0;

/** hono middleware for the shop API and platform routes: records each 4xx answer after it is sent. */
export const recordRefusals = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const status = c.res.status;
  if (status < 400 || status >= 500) return;
  const now = Date.now();
  if (now - windowStart > 60_000) {
    windowStart = now;
    recorded = 0;
  }
  if (++recorded > RECORD_PER_MINUTE) return;
  const work = (async () => {
    const body = await c.res.clone().json<{ error?: unknown; status?: unknown; fields?: unknown }>().catch(() => null);
    // A 409 conflict has no `error`, only the fields that differ (README "Shop server API").
    const conflict = body?.status === 'conflict' && Array.isArray(body.fields)
      ? `conflict: accepted before with another ${body.fields.join(', ')}; the first version stands`
      : null;
    const error = typeof body?.error === 'string' ? body.error : conflict;
    await recordRefused(c.env.LEDGER, { method: c.req.method, path: c.req.path, status, error }, now);
  })();
  await inBackground(c, work); // awaited without an execution context (tests calling app.request without one)
});
