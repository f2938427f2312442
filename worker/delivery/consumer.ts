// STUB: replaced by the delivery issue.
import type { Env } from '../env.ts';
import type { QueueMessage } from './messages.ts';

export async function handleQueue(batch: MessageBatch<QueueMessage>, _env: Env, _ctx: ExecutionContext): Promise<void> {
  batch.retryAll();
}
