-- Delivery ledger: one row per accepted event or contact, the source of the setup page's figures.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,             -- event id (unique per accepted event or contact)
  type TEXT NOT NULL,              -- visit, cart, login, offer, newsletter, survey, purchase, return, cancellation, contact
  source TEXT NOT NULL,            -- browser | shop
  contact TEXT,                    -- e-mail or SALESmanago contactId, once known
  visitor_id TEXT,
  status TEXT NOT NULL,            -- queued | delivered | held | failed | dead | expired
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  sm_event_id TEXT,                -- SALESmanago eventId, when it answers with one
  accepted_at INTEGER NOT NULL,    -- unix ms
  updated_at INTEGER NOT NULL,     -- unix ms
  payload TEXT                     -- the queue message (JSON), kept for replay of failed/dead/held rows
);
CREATE INDEX deliveries_status_updated ON deliveries (status, updated_at);
CREATE INDEX deliveries_accepted ON deliveries (accepted_at);

-- Shop API signatures seen within their validity window (replay protection).
CREATE TABLE seen_signatures (
  signature TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL      -- unix ms
);
