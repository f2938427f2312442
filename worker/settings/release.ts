// When a save completes the SALESmanago configuration, the events that were waiting for it go out at
// once: their queue messages sit out a long "not configured" delay (delivery/backoff.ts, 10 min
// doubling), so their stored payloads are sent again now. Exactly once still holds: the consumer
// dedupes by ledger id, so the original message, when it comes back, finds its items delivered and
// skips them (the same argument as delivery/replay.ts).
import { storedItem } from '../ledger/payloads.ts';
import type { Env } from '../env.ts';
import { packMessages, sendPacked } from '../queue/send.ts';
import type { ItemMessage } from '../queue/messages.ts';

/** The reason the consumer records while SALESmanago is not configured (delivery/consumer.ts). */
export const UNCONFIGURED_REASON = 'SALESmanago is not configured';
const LIMIT = 5_000;

export async function releaseWaitingEvents(env: Pick<Env, 'LEDGER' | 'EVENTS'>): Promise<number> {
  const { results } = await env.LEDGER
    .prepare(`SELECT id, payload FROM deliveries WHERE status = 'queued' AND last_error LIKE ?1 ORDER BY accepted_at LIMIT ?2`)
    .bind(`${UNCONFIGURED_REASON}%`, LIMIT)
    .all<{ id: string; payload: string | null }>();
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
  await env.LEDGER
    .prepare(`UPDATE deliveries SET last_error = NULL, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'queued'`)
    .bind(JSON.stringify(sent), Date.now())
    .run();
  return sent.length;
}
