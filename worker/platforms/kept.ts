// Signed deliveries that were not processed when they came, processed later through the same
// processDelivery (receive.ts):
//   - those the queue carries because the ledger was unwritable (queue/platform-delivery.ts): the
//     consumer hands them here; while D1 still fails they are retried with a delay;
//   - those kept with a reason (outcome 'kept'): replayed on demand (POST /admin/replay?status=kept,
//     `npm run replay -- --status kept`) after the fix, and hourly (a refund that came before its
//     purchase succeeds once the purchase is in).
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import type { PlatformDeliveryMessage } from '../queue/messages.ts';
import { keptDeliveries, recordDelivery } from '../ledger/platform-deliveries.ts';
import { PLATFORMS } from './index.ts';
import { processDelivery } from './receive.ts';
import { logError } from '../log.ts';

/** Seconds before a queued delivery is tried again while the ledger is unwritable. */
export const QUEUED_RETRY_S = 30;

const platformNamed = (name: string) => PLATFORMS.find((p) => p.name === name);

/** Processes deliveries taken off the queue; answers, per message, whether it must be retried. */
export async function processQueued(env: Env, config: Config, messages: readonly PlatformDeliveryMessage[]): Promise<boolean[]> {
  const retry: boolean[] = [];
  for (const m of messages) {
    const platform = platformNamed(m.platform);
    if (!platform) {
      console.error({ msg: 'queued delivery of an unknown platform acknowledged', platform: m.platform });
      retry.push(false);
      continue;
    }
    // Unavailable (the ledger and the queue down) or any other failure: the queue tries it again.
    retry.push(
      await processDelivery(env, platform, m.delivery, config, { onUnavailable: 'fail' }).then(
        () => false,
        () => true,
      ),
    );
  }
  return retry;
}

/** A queued delivery the queue gave up on (dead-letter queue): kept, so that a replay still has it. */
export async function keepDead(env: Env, m: PlatformDeliveryMessage): Promise<void> {
  await recordDelivery(env.LEDGER, {
    platform: m.platform,
    deliveryId: m.delivery.deliveryId,
    topic: m.delivery.topic,
    outcome: 'kept',
    httpStatus: 200,
    reason: 'the ledger stayed unavailable while the queue retried it',
    items: [],
    receivedAt: m.delivery.receivedAt,
    body: m.delivery.body,
  }).run();
}

export interface KeptReplay {
  replayed: number;
  accepted: number;
  ignored: number;
  stillKept: number;
}

/** Replays up to `limit` kept deliveries, oldest first; each either becomes events or stays kept with its (new) reason. */
export async function replayKept(env: Env, config: Config, options: { platform?: string; limit?: number } = {}): Promise<KeptReplay> {
  const rows = await keptDeliveries(env.LEDGER, options.platform ?? null, options.limit ?? 100);
  const result: KeptReplay = { replayed: rows.length, accepted: 0, ignored: 0, stillKept: 0 };
  for (const row of rows) {
    const platform = platformNamed(row.platform);
    if (!platform || row.body === undefined || row.body === null) {
      result.stillKept++;
      continue;
    }
    try {
      const answer = await processDelivery(
        env,
        platform,
        { deliveryId: row.deliveryId, topic: row.topic, body: row.body, receivedAt: row.receivedAt },
        config,
        { onUnavailable: 'fail' },
      );
      const status = answer.status;
      if (status === 'accepted' || status === 'duplicate') result.accepted++;
      else if (status === 'ignored') result.ignored++;
      else result.stillKept++;
    } catch (err) {
      logError('kept delivery not replayed', { platform: row.platform }, err);
      result.stillKept++;
    }
  }
  return result;
}
