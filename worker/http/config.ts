// c.var.config: the configuration parsed once per Env (below), after worker/index.ts has merged the
// settings saved on /setup into c.env. Every route reads its configuration here, so a value that
// /health names as invalid is treated the same way on every path.
import { createMiddleware } from 'hono/factory';
import { readConfig, type Config } from '../config.ts';
import type { AppEnv } from '../env.ts';

declare module 'hono' {
  interface ContextVariableMap {
    config: Config;
  }
}

/** Sets c.var.config unless an outer app already did (a test's). Registered once, in worker/index.ts,
 *  for every route: the routers do not register it again. */
export const withConfig = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('config') === undefined) c.set('config', configOf(c.env));
  await next();
});

// readConfig is pure, and the request routes get the same merged Env object while the settings
// snapshot is unchanged (settings/merge.ts withSettings): parse it once per Env, not per request.
const parsed = new WeakMap<AppEnv['Bindings'], Config>();
function configOf(env: AppEnv['Bindings']): Config {
  const known = parsed.get(env);
  if (known) return known;
  const config = readConfig(env);
  parsed.set(env, config);
  return config;
}
