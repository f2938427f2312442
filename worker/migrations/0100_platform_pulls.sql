-- Reconciliation pulls (worker/platforms/): one row per shop platform. `cursor` is the pull in
-- progress (JSON: its window and where it stopped), so a bounded run resumes where the last one ended;
-- `pulled_until` is the end of the last window pulled whole (the next window starts there).
CREATE TABLE platform_pulls (
  platform TEXT PRIMARY KEY,
  cursor TEXT,
  pulled_until INTEGER,
  -- A run in progress since (ms): a second run within the lease leaves it alone.
  running_since INTEGER,
  last_run_at INTEGER,
  last_success_at INTEGER,
  last_found INTEGER NOT NULL DEFAULT 0,
  last_missing INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
