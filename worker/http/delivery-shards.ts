// Every queue send of a request goes to its contact's delivery shard (queue/shards.ts): c.env's
// EVENTS becomes the router over EVENTS, EVENTS_1 ... for the count DELIVERY_SHARDS sets. With one
// shard c.env is left as it is. Registered once, in worker/index.ts, after withConfig.
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Env } from '../env.ts';
import { withShardRouting } from '../queue/shards.ts';

export const withDeliveryShards = createMiddleware<AppEnv>(async (c, next) => {
  if (c.env) c.env = routed(c.env, c.var.config.deliveryShards);
  await next();
});

// One routed Env per merged Env (settings/merge.ts hands out the same object while its snapshot holds).
const routedEnvs = new WeakMap<Env, Env>();
function routed(env: Env, shards: number): Env {
  const known = routedEnvs.get(env);
  if (known) return known;
  const out = withShardRouting(env, shards);
  routedEnvs.set(env, out);
  return out;
}
