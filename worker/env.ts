// The worker's Env: its bindings, as `wrangler types` generates them from wrangler.toml
// (worker-configuration.d.ts, kept current by test/architecture/env-types.test.ts), and the raw text
// of each configuration name. Carried through hono as `{ Bindings: Env }`.
import type { ConfigVars } from './config-names.ts';
import type { QueueMessage } from './queue/messages.ts';

/** The bindings; the queue typed with the messages only our code sends (queue/messages.ts). */
type Bindings = Omit<WorkerBindings, 'EVENTS'> & { EVENTS: Queue<QueueMessage> };

/**
 * With wrangler's vars and secrets, then merged with the settings saved on /setup (settings/merge.ts):
 * raw text (config-names.ts ConfigVars) that only config.ts and settings/ read (test/architecture/config.test.ts).
 * Everything else reads the parsed Config (c.var.config, or the one the consumer hands down).
 */
export type Env = Bindings & ConfigVars;

export type AppEnv = { Bindings: Env };
