// Small pieces shared by the collector routes: JSON bodies, background work, platform failures.
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';

export async function readJson(c: Context<AppEnv>): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  // Decoded here rather than with .text(): beacons arrive as text/plain, shop bodies as JSON, and a
  // client's odd Content-Type must not change how the bytes are read.
  const text = new TextDecoder().decode(await c.req.arrayBuffer());
  if (text.trim() === '') return { ok: false, error: 'body: is empty (expected a JSON object)' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'body: is not valid JSON' };
  }
  // valibot's object() would take an array for an object; every body here is a JSON object.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'body: must be a JSON object' };
  }
  return { ok: true, value };
}

/** Lets work finish after the response (waitUntil); without an execution context it just runs unawaited. */
export function inBackground(c: Context<AppEnv>, work: Promise<unknown>): void {
  const logged = work.catch((err: unknown) => console.error('background work failed', err instanceof Error ? err.message : String(err)));
  let ctx: { waitUntil(p: Promise<unknown>): void } | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  if (ctx) ctx.waitUntil(logged);
}

/** The ledger (D1) refused the write: nothing was recorded, so the client must retry. */
export function ledgerUnavailable(c: Context<AppEnv>, err: unknown) {
  console.error('ledger write failed', err instanceof Error ? err.message : String(err));
  c.header('Retry-After', '30');
  return c.json({ error: 'the event ledger is temporarily unavailable; nothing was recorded, retry later' }, 503);
}
