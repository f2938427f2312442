// The worker: request routes (validate, authenticate, enqueue), the queue consumers (delivery to
// SALESmanago) and the hourly clean-up. No SALESmanago call sits on a request path.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv, Env } from './env.ts';
import type { QueueMessage } from './queue/messages.ts';
import { health } from './routes/health.ts';
import { ingest } from './routes/ingest.ts';
import { shopApi } from './routes/shop-api.ts';
import { consentsApi } from './routes/consents.ts';
import { privacyApi } from './routes/privacy.ts';
import { callbacks } from './routes/callbacks.ts';
import { setup } from './routes/setup.tsx';
import { admin } from './routes/admin.ts';
import { hooks } from './routes/hooks.ts';
import { openapi } from './routes/openapi.ts';
import { recovery } from './routes/recovery.ts';
import { publicPath } from './routes/public-path.ts';
import { monitoring } from './routes/monitoring.ts';
import { handleQueue } from './delivery/consumer.ts';
import { handleScheduled } from './delivery/scheduled.ts';
import { withSettings } from './settings/merge.ts';
import { withConfig } from './http/config.ts';
import { recordRefusals } from './http/refusals.ts';
import { floor } from './routes/floor.ts';
import { logError } from './log.ts';
import { withDeliveryShards } from './http/delivery-shards.ts';

export const app = new Hono<AppEnv>();

// Does no work: the floor that benchmarks compare the real routes against. Registered before every
// middleware, so that it stays bare (a handler that answers ends the chain).
app.all('/floor', (c) => c.body(null, 204));
// Every route reads the merged configuration (wrangler's values over the settings saved on /setup)
// through c.env: the setup and admin pages from D1, the others from its KV snapshot (settings/store.ts).
app.use('*', async (c, next) => {
  if (c.env) c.env = await withSettings(c.env, { fresh: /^\/(setup|admin)(\/|$)/.test(c.req.path) });
  await next();
});
// Then parsed once (c.var.config, http/config.ts): every route reads its configuration there.
app.use('*', withConfig);
// Delivery shards (queue/shards.ts): every send of the request goes to its contact's queue.
app.use('*', withDeliveryShards);
// Refused shop-API and platform requests show on /setup/events (recorded after the answer).
app.use('/api/*', recordRefusals);
app.use('/hooks/*', recordRefusals);
// First-party mode: <PUBLIC_PATH_PREFIX>/s.js, /e and /m.js (docs/theme.md "First-party mode").
app.use('*', publicPath(app));

app.route('/health', health);
app.route('/floor', floor);
app.route('/e', ingest);
app.route('/m.js', monitoring);
// Before the consents API: POST /api/v1/consents/proof is answered here (that router reads with GET).
app.route('/api/v1', privacyApi);
app.route('/api/v1/consents', consentsApi);
app.route('/api/v1', shopApi);
app.route('/callbacks', callbacks);
app.route('/setup', setup);
app.route('/admin', admin);
app.route('/hooks', hooks);
app.route('/openapi.json', openapi);
app.route('/r', recovery);

app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
// Last line of defence: a bug must not turn into an unexplained 5xx without a log line.
// The one place a refusal becomes an answer: every HTTPException (worker/errors.ts, thrown by routes,
// middleware and domain functions; hono's basicAuth) is answered with its own response, plus the
// headers already set on the context (CORS): as hono's default handler does for a router on its own.
app.onError((err, c) => {
  if (err instanceof HTTPException) {
    const res = err.getResponse();
    return c.newResponse(res.body, res);
  }
  // The path without e-mails (GET /api/v1/consents/<email>): logs must not hold personal data.
  const path = new URL(c.req.url).pathname.replace(/[^/]*(@|%40)[^/]*/gi, '<email>');
  logError('unhandled error', { method: c.req.method, path }, err);
  return c.json({ error: 'internal error' }, 500);
});

export default {
  fetch: app.fetch,
  // The consumer reads the saved settings afresh for each batch: events that waited for a configuration
  // go out as soon as one is saved.
  queue: async (batch: MessageBatch<QueueMessage>, env: Env, ctx: ExecutionContext) => handleQueue(batch, await withSettings(env, { fresh: true }), ctx),
  scheduled: async (controller: ScheduledController, env: Env, ctx: ExecutionContext) => handleScheduled(controller, await withSettings(env), ctx),
} satisfies ExportedHandler<Env, QueueMessage>;
