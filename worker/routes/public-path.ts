// PUBLIC_PATH_PREFIX (worker/shop/public-path.ts): <prefix>/e is POST /e, origin check and all,
// <prefix>/m.js is GET /m.js (the monitoring code's loader), and <prefix>/s.js (or a variant) is the
// static asset /s.js. Runs before every route, after
// worker/index.ts has set c.var.config.
import { createMiddleware } from 'hono/factory';
import type { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { MethodNotAllowed, NotFound } from '../errors.ts';
import { executionContext } from '../http/background.ts';
import { unprefixedPath } from '../shop/public-path.ts';

/** The same Cache-Control as dist/_headers gives the unprefixed files (rollup.config.mjs). */
const TRACKER_CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400';

export const publicPath = (app: Hono<AppEnv>) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const url = new URL(c.req.url);
    const path = unprefixedPath(url.pathname, c.var.config.publicPathPrefix);
    if (!path) return next();
    url.pathname = path;
    if (path === '/e' || path === '/m.js' || path.startsWith('/r/')) return app.fetch(new Request(url, c.req.raw), c.env, executionContext(c));
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') throw new MethodNotAllowed(`${c.req.method} is not allowed on ${url.pathname}; use GET`);
    // Static assets answer conditional requests (ETag) themselves.
    const asset = await c.env.ASSETS.fetch(new Request(url, c.req.raw));
    if (asset.status === 404) throw new NotFound(`no tracker file ${path} (npm run build writes them into dist/)`);
    const res = new Response(asset.body, asset);
    if (asset.ok) res.headers.set('Cache-Control', TRACKER_CACHE_CONTROL);
    return res;
  });
