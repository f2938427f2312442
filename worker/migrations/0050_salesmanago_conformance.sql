-- Double opt-in requests sent to SALESmanago, one per subscribe (the ledger id of the item that
-- subscribed). A retry of a subscribe whose request may have reached SALESmanago (timeout, 5xx) finds
-- its row and goes without the DOI fields: at most one DOI mail per subscribe (worker/delivery/contacts.ts).
CREATE TABLE double_opt_ins (
  subscribe_id TEXT PRIMARY KEY,
  email TEXT NOT NULL,             -- lower-case
  requested_at INTEGER NOT NULL    -- unix ms
);
CREATE INDEX double_opt_ins_requested ON double_opt_ins (requested_at);

-- Orders re-posted with other content than the version accepted first (409 conflict): shown on the
-- setup page, so a shop whose order numbers collide finds out (worker/ingest/order-conflict.ts).
CREATE TABLE order_conflicts (
  id TEXT PRIMARY KEY,             -- ledger id of the order event (the first version stands)
  fields TEXT NOT NULL,            -- JSON array of the differing fields, last repost
  reposts INTEGER NOT NULL,
  last_at INTEGER NOT NULL         -- unix ms
);
CREATE INDEX order_conflicts_last ON order_conflicts (last_at);
