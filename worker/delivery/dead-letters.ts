// Consumer of the dead-letter queue: messages that ran out of retries (max_retries in wrangler.toml)
// are recorded as 'dead' with their last error. POST /admin/replay sends them again.
import type { Env } from '../env.ts';
import { ledgerRow } from '../ingest/ledger.ts';
import { insertMissing } from './ledger.ts';
import type { QueueMessage } from './messages.ts';

export async function recordDeadLetters(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  const rows = batch.messages.flatMap((m) => {
    try {
      const row = ledgerRow(m.body, JSON.stringify(m.body)) as ReturnType<typeof ledgerRow> | undefined;
      if (row && typeof row.id === 'string') return [row];
    } catch {
      // fall through
    }
    console.error('unreadable dead letter acknowledged', m.id);
    return [];
  });
  const now = Date.now();
  // If D1 fails here the handler throws and the dead-letter queue retries the batch.
  await insertMissing(env.LEDGER, rows, now);
  await env.LEDGER
    .prepare(
      `UPDATE deliveries SET status = 'dead', updated_at = ?2,
              last_error = CASE WHEN last_error LIKE 'retries exhausted%' THEN last_error
                                ELSE 'retries exhausted' || COALESCE(': ' || last_error, '') END
       WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'queued'`,
    )
    .bind(JSON.stringify(rows.map((r) => r.id)), now)
    .run();
  batch.ackAll();
}
