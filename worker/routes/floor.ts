// POST /floor/bindings: the "bindings floor" the ingest benchmark compares POST /e with (docs/performance.md
// "Performance"). It makes the platform calls POST /e makes for a beacon — both rate-limit checks, a
// queue send of the same bytes, the visitor's D1 read — without our parsing and validation, so that
// "POST /e ÷ bindings floor" measures our code, not the local simulation of Cloudflare's services.
// POST /floor/signed is the same for a signed shop-API request: exactly an HMAC of the body, one D1
// write and one queue send, so that "POST /api/v1/events ÷ signed floor" measures our code.
// Only when BENCH_FLOOR is "true" (the benchmark's stack); otherwise the routes do not exist.
import { Hono } from 'hono';
import { hmacHex } from '../identity/hmac.ts';
import { rememberSignature } from '../ledger/seen-signatures.ts';
import { contactIdOfVisitor } from '../ledger/visitors.ts';
import type { AppEnv } from '../env.ts';
import { NotFound } from '../errors.ts';

export const floor = new Hono<AppEnv>();

floor.post('/signed', async (c) => {
  if (!c.var.config.benchFloor) throw new NotFound('no route for POST /floor/signed');
  const body = await c.req.text();
  const mac = await hmacHex('floor', body); // the key's value does not change the cost
  await rememberSignature(c.env.LEDGER, `${mac}.${crypto.randomUUID()}`, Date.now() + 300_000);
  await c.env.EVENTS.send({ kind: 'floor', body } as never, { contentType: 'json' });
  return c.json({ id: mac.slice(0, 8), status: 'queued' }, 202);
});

floor.post('/bindings', async (c) => {
  if (!c.var.config.benchFloor) throw new NotFound('no route for POST /floor/bindings');
  const visitor = c.req.query('v') ?? 'floor';
  const ip = c.req.header('CF-Connecting-IP');
  if (ip) await c.env.RATE_LIMIT_IP.limit({ key: `ip:${ip}` });
  const body = await c.req.text();
  await c.env.RATE_LIMIT_VISITOR.limit({ key: `visitor:${visitor}` });
  // Not a message the consumer reads (it acknowledges it with a log line); the bench stack has none.
  await Promise.all([c.env.EVENTS.send({ kind: 'floor', body } as never, { contentType: 'json' }), contactIdOfVisitor(c.env.LEDGER, visitor)]);
  return c.json({ accepted: 0, rejected: [] }, 202);
});
