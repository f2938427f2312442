-- Delivery shards (worker/queue/shards.ts, worker/delivery/shards.ts).
-- The shard count the consumers last saw, the one before it, when it changed, and when a message
-- routed under another count was last forwarded. One row. While a change is recent, a contact whose
-- shard moved waits for its older messages to arrive on its new shard.
CREATE TABLE delivery_shards (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  count INTEGER NOT NULL,
  previous INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  old_seen_at INTEGER NOT NULL
);

-- The shard whose accumulator parked a row (reason_kind 'parked', delivery/accumulator.ts): each
-- shard flushes only what it parked. 0 for every row before shards, as there was one queue.
ALTER TABLE deliveries ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
