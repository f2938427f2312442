// The worker's Env: its bindings, as `wrangler types` generates them from wrangler.toml
// (worker-configuration.d.ts, kept current by test/architecture/env-types.test.ts), and the raw text
// of each configuration name. Carried through hono as `{ Bindings: Env }`.
import type { ConfigVars } from './config-names.ts';
import type { QueueMessage } from './queue/messages.ts';

/** The delivery queues: shard 0 and the shards 1-7 (queue/shards.ts; DELIVERY_SHARDS says how many are used). */
type DeliveryQueues = 'EVENTS' | 'EVENTS_1' | 'EVENTS_2' | 'EVENTS_3' | 'EVENTS_4' | 'EVENTS_5' | 'EVENTS_6' | 'EVENTS_7';
/** The bindings; the queues typed with the messages only our code sends (queue/messages.ts). */
type Bindings = Omit<WorkerBindings, DeliveryQueues> & Record<DeliveryQueues, Queue<QueueMessage>>;

/**
 * With wrangler's vars and secrets, then merged with the settings saved on /setup (settings/merge.ts):
 * raw text (config-names.ts ConfigVars) that only config.ts and settings/ read (test/architecture/config.test.ts).
 * Everything else reads the parsed Config (c.var.config, or the one the consumer hands down).
 */
export type Env = Bindings & ConfigVars;

export type AppEnv = { Bindings: Env };
