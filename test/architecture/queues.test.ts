// The queues are named in wrangler.toml alone; the consumer tells a dead-letter batch from a live one
// by the name's suffix (worker/queue/names.ts). Checked here on the real configuration, so that a
// rename there which breaks the rule fails the tests instead of delivering dead letters as live.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isDeadLetterQueue, shardOfQueue } from '../../worker/queue/names.ts';

const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');
const values = (key: string) => [...toml.matchAll(new RegExp(`^${key}\\s*=\\s*"([^"]+)"`, 'gm'))].map((m) => m[1]!);

describe('queue names (wrangler.toml)', () => {
  const deadLetterQueues = values('dead_letter_queue');
  const producers = [...toml.matchAll(/\[\[queues\.producers\]\][^[]*?queue\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);

  it('are read (a check of nothing would pass)', () => {
    expect(producers.length).toBeGreaterThan(0);
    expect(deadLetterQueues.length).toBeGreaterThan(0);
  });

  it('every dead-letter queue is recognised as one, and no queue events are sent to', () => {
    for (const name of deadLetterQueues) expect(isDeadLetterQueue(name), name).toBe(true);
    for (const name of producers) expect(isDeadLetterQueue(name), name).toBe(false);
  });

  it('every dead-letter queue has a consumer that records its messages', () => {
    const consumed = values('queue');
    for (const name of deadLetterQueues) expect(consumed).toContain(name);
  });

  it('delivery shard i is binding EVENTS_i (EVENTS for 0) on a queue named …-i, consumed one batch at a time', () => {
    const pairs = [...toml.matchAll(/\[\[queues\.producers\]\]\s*binding\s*=\s*"([^"]+)"\s*queue\s*=\s*"([^"]+)"/g)].map((m) => [m[1]!, m[2]!] as const);
    const shards = pairs.filter(([binding]) => /^EVENTS(_\d+)?$/.test(binding));
    expect(shards.length).toBeGreaterThan(1);
    for (const [binding, queue] of shards) {
      const i = binding === 'EVENTS' ? 0 : Number(binding.slice('EVENTS_'.length));
      expect(shardOfQueue(queue), queue).toBe(i);
      const consumer = new RegExp(`\\[\\[queues\\.consumers\\]\\]\\s*queue\\s*=\\s*"${queue}"[^[]*?max_concurrency\\s*=\\s*1\\b`);
      expect(toml, queue).toMatch(consumer);
    }
    // Consecutive from 0: queue/shards.ts usableShards stops at the first missing binding.
    expect(shards.map(([b]) => b).sort()).toEqual(['EVENTS', ...shards.slice(1).map((_, k) => `EVENTS_${k + 1}`)].sort());
  });
});
