// When a save completes the SALESmanago configuration, the events that were waiting for it go out at
// once: their queue messages sit out a long "not configured" delay (delivery/backoff.ts, 10 min
// doubling), so their stored payloads are sent again now. Exactly once still holds: the consumer
// dedupes by ledger id, so the original message, when it comes back, finds its items delivered and
// skips them (the same argument as delivery/replay.ts). Every ledger database holds such rows
// (ledger/databases.ts): each is read, sent and cleared on its own, side by side.
import { storedItem } from '../ledger/payloads.ts';
import { clearReason, queuedOfKind } from '../ledger/deliveries/held.ts';
import type { Env } from '../env.ts';
import type { StoredReasonKind } from '../ledger/reason-kinds.ts';
import { packMessages, sendPacked } from '../queue/send.ts';
import type { ItemMessage } from '../queue/messages.ts';
import { overEvery } from '../ledger/databases.ts';

const LIMIT = 5_000;
/** The kind of the reason the consumer records while SALESmanago is not configured (delivery/consumer.ts). */
const UNCONFIGURED_KIND: StoredReasonKind = 'unconfigured';

/** The waiting events of `ledgers` ledger databases (config.ledgerDatabases) sent again; answers how many. */
export async function releaseWaitingEvents(env: Pick<Env, 'LEDGER' | 'EVENTS'>, ledgers = 1): Promise<number> {
  const sent = await overEvery(env, ledgers, (db) => releaseFrom(env, db));
  return sent.reduce((a, b) => a + b, 0);
}

async function releaseFrom(env: Pick<Env, 'EVENTS'>, db: D1Database): Promise<number> {
  const results = await queuedOfKind(db, UNCONFIGURED_KIND, LIMIT);
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
  await clearReason(db, sent, Date.now());
  return sent.length;
}
