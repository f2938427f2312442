-- The consent changes feed (GET /api/v1/consents?since=...), strongly consistent (issue 13): one row
-- per change from SALESmanago, in the order recorded. seq is the shop's cursor: AUTOINCREMENT never
-- reuses a value, and D1's single writer commits rows in seq order, so a reader that sees seq n has
-- every change before n too: a shop polling with the last seq it saw never skips one.
CREATE TABLE consent_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL,             -- lower-case
  status TEXT NOT NULL,            -- opt-in | opt-out
  changed_at INTEGER NOT NULL,     -- unix ms, when the change happened
  source TEXT NOT NULL,
  recorded_at INTEGER NOT NULL     -- unix ms, when it was recorded (old time cursors map onto it)
);
CREATE INDEX consent_changes_recorded ON consent_changes (recorded_at);

-- The latest change per address that the log has decided on: "later wins" and "same status is no
-- change" are decided here in one transaction with the log append, so two callbacks for one address
-- arriving at once cannot both be logged out of order. (KV keeps each contact's status for reads.)
CREATE TABLE consent_latest (
  email TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  changed_at INTEGER NOT NULL
);
