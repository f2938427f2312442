// Which queue a consumer batch comes from. The queues are named in wrangler.toml only; a dead-letter
// queue is the live queue's name with "-dlq" (test/architecture/queues.test.ts checks wrangler.toml),
// so renaming the queues there can never make dead letters look live, nor live messages dead.
const DEAD_LETTER_SUFFIX = '-dlq';

export function isDeadLetterQueue(name: string): boolean {
  return name.endsWith(DEAD_LETTER_SUFFIX);
}

/** The delivery shard of a consumer batch (queue/shards.ts), from its queue's name: "<name>-<i>" is shard i, the bare name 0. */
export function shardOfQueue(name: string): number {
  const m = /-(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}
