// When a save completes the SALESmanago configuration, the events that were waiting for it go out at
// once: their queue messages sit out a long "not configured" delay (delivery/backoff.ts, 10 min
// doubling), so their stored payloads are sent again now. Exactly once still holds: the consumer
// dedupes by ledger id, so the original message, when it comes back, finds its items delivered and
// skips them (the same argument as delivery/replay.ts).
import { storedItem } from '../ledger/payloads.ts';
import { clearReason, queuedOfKind } from '../ledger/deliveries/held.ts';
import type { Env } from '../env.ts';
import type { StoredReasonKind } from '../ledger/reason-kinds.ts';
import { packMessages, sendPacked } from '../queue/send.ts';
import type { ItemMessage } from '../queue/messages.ts';

const LIMIT = 5_000;
/** The kind of the reason the consumer records while SALESmanago is not configured (delivery/consumer.ts). */
const UNCONFIGURED_KIND: StoredReasonKind = 'unconfigured';

export async function releaseWaitingEvents(env: Pick<Env, 'LEDGER' | 'EVENTS'>): Promise<number> {
  const results = await queuedOfKind(env.LEDGER, UNCONFIGURED_KIND, LIMIT);
  const items: ItemMessage[] = [];
  for (const row of results) {
    // An unreadable payload stays as it is; its own message still carries it.
    const item = storedItem(row.payload, row.id);
    if (item) items.push(item);
  }
  if (items.length === 0) return 0;
  const packed = packMessages(items);
  const refused = new Set(await sendPacked(env.EVENTS, packed));
  const sent = packed.flatMap((p) => p.ids).filter((id) => !refused.has(id));
  await clearReason(env.LEDGER, sent, Date.now());
  return sent.length;
}
