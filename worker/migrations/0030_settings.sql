-- Settings the merchant saves on the setup page (worker/settings). A wrangler var or secret of the
-- same name wins over a stored value; secrets are stored encrypted (AES-GCM, worker/settings/crypto.ts).
CREATE TABLE settings (
  name TEXT PRIMARY KEY,           -- the configuration name, e.g. SALESMANAGO_CLIENT_ID
  value TEXT NOT NULL,             -- plain text, or "v1.<key source>.<iv>.<ciphertext>" for a secret
  updated_at INTEGER NOT NULL      -- unix ms
);

-- One row per save: when, and which settings changed (names only, never values).
CREATE TABLE settings_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,             -- unix ms
  fields TEXT NOT NULL             -- JSON array of names
);

-- Shop-API and platform requests the worker refused (4xx), so the setup page's events list shows
-- them: a refused order must not leave the page saying "No errors". Written after the answer.
CREATE TABLE refused_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,             -- unix ms
  method TEXT NOT NULL,
  path TEXT NOT NULL,              -- without the query
  status INTEGER NOT NULL,
  error TEXT                       -- the answer's "error", cut to 500 characters
);
CREATE INDEX refused_requests_at ON refused_requests (at);
