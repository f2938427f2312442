// Consumer of the dead-letter queue: messages that ran out of retries (max_retries in wrangler.toml)
// are recorded as 'dead' with their last error, every item of a multi-item message. Items of the
// message that were settled before (delivered, failed, held, expired) keep their status: only rows
// still 'queued' died. POST /admin/replay sends them again.
import type { Env } from '../env.ts';
import { ledgerRow, type LedgerRow } from '../ledger/deliveries/rows.ts';
import { readItems, type QueueMessage } from '../queue/messages.ts';
import { insertMissing, markDead } from '../ledger/deliveries/rows.ts';
import { EXHAUSTED_REASON } from './state.ts';

export async function recordDeadLetters(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  const rows: LedgerRow[] = batch.messages.flatMap((m) => {
    const items = readItems(m.body);
    if (items.length === 0) console.error({ msg: 'unreadable dead letter acknowledged', messageId: m.id });
    return items.map((item) => ledgerRow(item, JSON.stringify(item)));
  });
  const now = Date.now();
  // If D1 fails here the handler throws and the dead-letter queue retries the batch.
  await insertMissing(env.LEDGER, rows, now);
  await markDead(
    env.LEDGER,
    rows.map((r) => r.id),
    EXHAUSTED_REASON,
    now,
  );
  batch.ackAll();
}
