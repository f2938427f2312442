-- Retention pruning (worker/delivery/retention.ts): the hourly job deletes by age, in bounded batches.
CREATE INDEX IF NOT EXISTS visitor_links_updated ON visitor_links (updated_at);
CREATE INDEX IF NOT EXISTS known_contacts_updated ON known_contacts (updated_at);
CREATE INDEX IF NOT EXISTS ingest_counters_day ON ingest_counters (day);
