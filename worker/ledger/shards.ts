// The shard count the consumers saw last (table delivery_shards, migrations/0170_delivery_shards.sql):
// what delivery/shards.ts needs to tell a count change that is still settling from a settled one.
import { together, type Step } from './parts.ts';

export interface ShardState {
  count: number;
  previous: number;
  changedAt: number;
  /** Last time a consumer forwarded a message routed under another count. */
  oldSeenAt: number;
}

export function readShardStateStep(db: D1Database): Step<ShardState | null> {
  return {
    statements: [db.prepare('SELECT count, previous, changed_at AS changedAt, old_seen_at AS oldSeenAt FROM delivery_shards WHERE id = 1')],
    read: (results) => (results[0]?.results[0] as ShardState | undefined) ?? null,
  };
}

async function readShardState(db: D1Database): Promise<ShardState | null> {
  const [state] = await together(db, readShardStateStep(db));
  return state;
}

/**
 * Records `count` as the current count; a change keeps the count before it and starts its settling
 * time. Without a row yet, the count before was 1 (all messages went to EVENTS before shards existed).
 * Answers the state after the write (the first consumer that sees a change records it; the
 * others find it recorded).
 */
export async function recordShardCount(db: D1Database, count: number, now: number): Promise<ShardState> {
  const row = await db
    .prepare(
      `INSERT INTO delivery_shards (id, count, previous, changed_at, old_seen_at) VALUES (1, ?1, 1, ?2, ?2)
       ON CONFLICT (id) DO UPDATE SET previous = count, count = ?1, changed_at = ?2, old_seen_at = ?2 WHERE count <> ?1
       RETURNING count, previous, changed_at AS changedAt, old_seen_at AS oldSeenAt`,
    )
    .bind(count, now)
    .first<ShardState>();
  return row ?? ((await readShardState(db)) as ShardState);
}

/** A message routed under another count was forwarded now: the change is not settled yet. */
export async function markOldSeen(db: D1Database, now: number): Promise<void> {
  await db.prepare('UPDATE delivery_shards SET old_seen_at = MAX(old_seen_at, ?1) WHERE id = 1').bind(now).run();
}
