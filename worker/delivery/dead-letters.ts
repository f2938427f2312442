// Consumer of the dead-letter queue: messages that ran out of retries (max_retries in wrangler.toml)
// are recorded as 'dead' with their last error, every item of a multi-item message. Items of the
// message that were settled before (delivered, failed, held, expired) keep their status: only rows
// still 'queued' died. POST /admin/replay sends them again.
import type { Env } from '../env.ts';
import { ledgerRow, type LedgerRow } from '../ledger/deliveries/rows.ts';
import { readItems, type QueueMessage } from '../queue/messages.ts';
import { insertMissing, markDead } from '../ledger/deliveries/rows.ts';
import { EXHAUSTED_REASON } from './state.ts';
import { itemKey } from '../queue/shards.ts';
import { byLedger } from '../ledger/databases.ts';

/** Dead letters come from every shard: each item's row is in its contact's ledger database (`ledgers`: LEDGER_DATABASES). */
export async function recordDeadLetters(batch: MessageBatch<QueueMessage>, env: Env, ledgers: number): Promise<void> {
  const rows: { key: string; row: LedgerRow }[] = batch.messages.flatMap((m) => {
    const items = readItems(m.body);
    if (items.length === 0) console.error({ msg: 'unreadable dead letter acknowledged', messageId: m.id });
    return items.map((item) => ({ key: itemKey(item), row: ledgerRow(item, JSON.stringify(item)) }));
  });
  const now = Date.now();
  // If D1 fails here the handler throws and the dead-letter queue retries the batch.
  for (const [db, part] of byLedger(env, ledgers, rows, (r) => r.key)) {
    await insertMissing(
      db,
      part.map((p) => p.row),
      now,
    );
    await markDead(
      db,
      part.map((p) => p.row.id),
      EXHAUSTED_REASON,
      now,
    );
  }
  batch.ackAll();
}
