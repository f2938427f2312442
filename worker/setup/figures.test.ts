import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { LAST_CALLBACK_KEY } from '../consent/activity.ts';
import type { Env } from '../env.ts';
import { app } from '../index.ts';
import { deliveryFigures } from './figures.ts';

const env: Env = workerEnv;
const HOUR = 3600_000;

async function insert(id: string, status: string, acceptedAgoMs: number, lastError: string | null = null, type = 'purchase') {
  const at = Date.now() - acceptedAgoMs;
  await env.LEDGER.prepare(
    `INSERT INTO deliveries (id, type, source, status, attempts, last_error, accepted_at, updated_at)
     VALUES (?, ?, 'shop', ?, 1, ?, ?, ?)`,
  )
    .bind(id, type, status, lastError, at, at + 1000)
    .run();
}

describe('delivery figures', () => {
  beforeEach(async () => {
    await env.LEDGER.prepare('DELETE FROM deliveries').run();
    await insert('d1', 'delivered', 1 * HOUR);
    await insert('d2', 'delivered', 2 * HOUR);
    await insert('q1', 'queued', 0);
    await insert('h1', 'held', 3 * HOUR);
    await insert('f1', 'failed', 4 * HOUR, 'SALESmanago /api/contact/upsert: Not authenticated');
    await insert('x1', 'dead', 5 * HOUR, 'SALESmanago (HTTP 503): busy');
    await insert('old', 'delivered', 30 * HOUR);
    await insert('oldfail', 'failed', 48 * HOUR, 'an old error');
    await insert('hook', 'delivered', 1 * HOUR, null, 'consent-webhook');
  });

  it('counts the last 24 h by status and lists the latest errors first', async () => {
    const f = await deliveryFigures([env.LEDGER], Date.now());
    expect(f.accepted).toBe(6);
    expect(f.byStatus).toEqual({ delivered: 2, queued: 1, held: 1, failed: 1, dead: 1, expired: 0 });
    expect(f.lastErrors.map((e) => e.id)).toEqual(['f1', 'x1', 'oldfail']);
    expect(f.lastErrors[0]).toMatchObject({ status: 'failed', error: 'SALESmanago /api/contact/upsert: Not authenticated' });
  });

  it('shows them on the setup page, with the last callback received', async () => {
    await env.CONSENTS.put(LAST_CALLBACK_KEY, JSON.stringify({ at: Date.UTC(2026, 0, 2, 3, 4, 5), kind: 'opt-out', outcome: 'changed' }));
    const ctx = createExecutionContext();
    const res = await app.request('http://sm-edge.test/setup?lang=en', { headers: { Authorization: `Basic ${btoa(`a:${env.ADMIN_PASSWORD}`)}` } }, env, ctx);
    await waitOnExecutionContext(ctx);
    const html = await res.text();
    expect(html).toMatch(/id="figure-accepted"><b>6<\/b>/);
    expect(html).toMatch(/id="figure-delivered"><b>2<\/b>/);
    expect(html).toMatch(/id="figure-dead"><b>1<\/b>/);
    expect(html).toContain('Not authenticated');
    expect(html).toMatch(/id="last-callback">.*?2026-01-02 03:04:05 UTC.*?opt-out/s);
  });
});
