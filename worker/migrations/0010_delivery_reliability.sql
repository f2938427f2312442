-- Per-event delivery state that lets a retry repeat only what failed (issue 13).
-- next_attempt_at: when a 'queued' row's next attempt is due (unix ms), written with every retry; the
--   reconciliation (delivery/scheduled.ts) re-enqueues rows whose attempt is long overdue, which is
--   what a lost queue message (a crash, a failed send) leaves behind.
-- contact_done_at: when SALESmanago confirmed this event's contact upsert; a retry of the event does
--   not repeat the upsert.
ALTER TABLE deliveries ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE deliveries ADD COLUMN contact_done_at INTEGER;
CREATE INDEX deliveries_status_next ON deliveries (status, next_attempt_at);
