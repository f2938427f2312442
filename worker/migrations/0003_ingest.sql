-- Per-day counters of what the collector drops on purpose (e.g. name 'bot-beacons': beacons from known
-- bot user agents). Written by POST /e off the request path; read by the setup page.
CREATE TABLE ingest_counters (
  name TEXT NOT NULL,
  day TEXT NOT NULL,               -- UTC date, YYYY-MM-DD
  count INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,     -- unix ms
  PRIMARY KEY (name, day)
);
