-- A delivery row's sub-state as data: the kind of the reason in last_error (delivery/state.ts names
-- the kinds). It used to be read from last_error's text prefix with LIKE; last_error stays the
-- human-readable reason and reason_kind changes with it, always in the same statement.
--   refused            failed: SALESmanago refused the row's own content (or the person was erased); replay leaves it
--   queue-unavailable  failed: the request side could not send it to the queue; replay sends it
--   exhausted          dead: its budget of attempts (or its message's retries) is spent
--   parked             queued: waiting in the accumulator to be sent together with more events
--   unconfigured       queued: waiting for SALESmanago to be configured; a settings save releases it
--   held               expired: held for an anonymous visitor who was not identified in time
-- NULL: no reason, or an ordinary retry's reason.
ALTER TABLE deliveries ADD COLUMN reason_kind TEXT;

-- Backfill of the rows written before this migration, from the prefixes the code wrote until now.
UPDATE deliveries SET reason_kind = CASE
    WHEN last_error LIKE 'retries exhausted%' THEN 'exhausted'
    WHEN last_error LIKE 'refused: %' THEN 'refused'
    WHEN last_error LIKE 'parked: %' THEN 'parked'
    WHEN last_error LIKE 'held: %' THEN 'held'
    WHEN last_error = 'queue unavailable' THEN 'queue-unavailable'
    WHEN last_error LIKE 'SALESmanago is not configured%' THEN 'unconfigured'
  END
WHERE last_error IS NOT NULL;

-- The selections by kind (parked rows, rows waiting for the configuration, refused rows) go by status first.
CREATE INDEX deliveries_status_reason ON deliveries (status, reason_kind, accepted_at);
