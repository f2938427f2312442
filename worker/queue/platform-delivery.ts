// A signed platform delivery that met an unwritable ledger travels on the queue as it came (its body,
// topic and delivery id), so that it is answered 2xx and processed once D1 is back (platforms/kept.ts).
// Only queue/ sends: the platforms hand it over here.
import type { PlatformDeliveryMessage, QueueMessage } from './messages.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from './send.ts';
import { errorText } from '../log.ts';

/** Queues the delivery; false when it is too large for a queue message or the queue refused it. */
export async function queueDelivery(env: { EVENTS: Queue<QueueMessage> }, platform: string, delivery: PlatformDeliveryMessage['delivery']): Promise<boolean> {
  const message: PlatformDeliveryMessage = { kind: 'platform-delivery', platform, delivery };
  if (messageBytes(message) > MAX_MESSAGE_BYTES) return false;
  try {
    await env.EVENTS.send(message, { contentType: 'json' });
    return true;
  } catch (err) {
    console.error({ msg: 'queue send failed for a platform delivery', platform, error: errorText(err) });
    return false;
  }
}
