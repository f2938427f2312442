// GET /m.js: the loader of SALESmanago's monitoring code for this account (shop/monitoring.ts), which
// the tracker adds to the page with data-sm-monitoring once storing is allowed. Public, like /s.js:
// the client id it holds is on every page that runs SALESmanago's monitoring code anyway.
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { monitoringScript } from '../shop/monitoring.ts';

/** Short: a changed client id or endpoint reaches the shop's pages within minutes. */
const MONITORING_CACHE_CONTROL = 'public, max-age=300';

export const monitoring = new Hono<AppEnv>().get('/', (c) =>
  c.body(monitoringScript(c.var.config.salesmanago), 200, {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': MONITORING_CACHE_CONTROL,
    'X-Content-Type-Options': 'nosniff',
  }),
);
