// GET /health: liveness plus the NAMES of the settings that need fixing. Always 200: a misconfigured
// worker still accepts and queues events. It is unauthenticated, so it says which settings are wrong
// but not how (e.g. not that a secret is too short): the details are on the password-protected
// setup page.
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { withConfig } from '../http/config.ts';

export const health = new Hono<AppEnv>().use(withConfig).get('/', (c) => {
  const config = c.var.config;
  return c.json({
    ok: true,
    configured: config.problems.length === 0,
    salesmanagoConfigured: config.salesmanago !== null,
    // Names only, each once: what to fix is on the setup page.
    problems: [...new Set(config.problems.map((p) => p.name))],
  });
});
