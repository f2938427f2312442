// The worker: request routes (validate, authenticate, enqueue), the queue consumers (delivery to
// SALESmanago) and the hourly clean-up. No SALESmanago call sits on a request path.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv, Env } from './env.ts';
import type { QueueMessage } from './delivery/messages.ts';
import { health } from './routes/health.ts';
import { ingest } from './routes/ingest.ts';
import { shopApi } from './routes/shop-api.ts';
import { consentsApi } from './routes/consents.ts';
import { callbacks } from './routes/callbacks.ts';
import { setup } from './routes/setup.tsx';
import { admin } from './routes/admin.ts';
import { handleQueue } from './delivery/consumer.ts';
import { handleScheduled } from './delivery/scheduled.ts';
import { floor } from './floor.ts';

export const app = new Hono<AppEnv>();

app.route('/health', health);
// Does no work: the floor that benchmarks compare the real routes against.
app.all('/floor', (c) => c.body(null, 204));
app.route('/floor', floor);
app.route('/e', ingest);
app.route('/api/v1/consents', consentsApi);
app.route('/api/v1', shopApi);
app.route('/callbacks', callbacks);
app.route('/setup', setup);
app.route('/admin', admin);

app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
// Last line of defence: a bug must not turn into an unexplained 5xx without a log line.
app.onError((err, c) => {
  // Middleware (basicAuth, bodyLimit, …) signals 4xx answers by throwing an HTTPException.
  if (err instanceof HTTPException) return err.getResponse();
  console.error('unhandled error', c.req.method, new URL(c.req.url).pathname, err instanceof Error ? err.message : err);
  return c.json({ error: 'internal error' }, 500);
});

export default {
  fetch: app.fetch,
  queue: (batch: MessageBatch<QueueMessage>, env: Env, ctx: ExecutionContext) => handleQueue(batch, env, ctx),
  scheduled: (controller: ScheduledController, env: Env, ctx: ExecutionContext) => handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, QueueMessage>;
