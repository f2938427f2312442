// GET /health: liveness plus every configuration problem, by name. Always 200: a misconfigured
// worker still accepts and queues events.
import { Hono } from 'hono';
import { readConfig } from '../config.ts';
import type { AppEnv } from '../env.ts';

export const health = new Hono<AppEnv>().get('/', (c) => {
  const config = readConfig(c.env);
  return c.json({
    ok: true,
    configured: config.problems.length === 0,
    salesmanagoConfigured: config.salesmanago !== null,
    problems: config.problems.map((p) => `${p.name} ${p.problem}`),
  });
});
