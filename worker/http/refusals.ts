// The shop-API and platform requests the worker refused (4xx), recorded after the answer so that the
// setup page's events list shows them (a refused order must not leave the page saying "No errors").
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { insertRefused, type RefusedRequest } from '../ledger/refused-requests.ts';
import { logError } from '../log.ts';
import { inBackground } from './background.ts';

const KEEP_REFUSED_MS = 7 * 24 * 3600 * 1000;

/** Records a refused shop-API or platform request (after the answer; never throws). */
async function recordRefused(db: D1Database, request: Omit<RefusedRequest, 'at'>, now = Date.now()): Promise<void> {
  try {
    // Kept a week; pruned now and then rather than by a job of its own.
    await insertRefused(db, { at: now, ...request }, Math.random() < 0.05 ? now - KEEP_REFUSED_MS : null);
  } catch (err) {
    logError('could not record a refused request', {}, err);
  }
}

// At most this many refusals recorded per isolate and minute: a flood of bad requests must not turn
// into a flood of D1 writes (the page needs examples, not every copy).
const RECORD_PER_MINUTE = 60;
let windowStart = 0;
let recorded = 0;

/** Tests only: forget this isolate's count, so a test sees its own refusals recorded. */
export function resetRefusalWindow(): void {
  windowStart = 0;
  recorded = 0;
}

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
    const body = await c.res
      .clone()
      .json<{ error?: unknown; status?: unknown; fields?: unknown }>()
      .catch(() => null);
    // A 409 conflict has no `error`, only the fields that differ (docs/shop-server.md "Shop server API").
    const conflict =
      body?.status === 'conflict' && Array.isArray(body.fields)
        ? `conflict: accepted before with another ${body.fields.join(', ')}; the first version stands`
        : null;
    const error = typeof body?.error === 'string' ? body.error : conflict;
    await recordRefused(c.env.LEDGER, { method: c.req.method, path: c.req.path, status, error }, now);
  })();
  await inBackground(c, work); // awaited without an execution context (tests calling app.request without one)
});
