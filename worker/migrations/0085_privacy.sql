-- Consent proof and the rights of the person (issue 23, docs/privacy.md).

-- One row per consent statement, append-only: who (lower-case e-mail, or the SALESmanago contact id),
-- which consent, accepted or withdrawn, when stated and when received, where from and with what proof.
-- Rows are never updated; they are deleted only by an erasure or by retention (worker/consent/proof.ts).
CREATE TABLE consent_proofs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT,                      -- lower-case; NULL when only the contact id is known
  contact_id TEXT,                 -- SALESmanago contactId, when the statement names it
  name TEXT NOT NULL,              -- newsletter | sms | a named consent of the shop
  accepted INTEGER NOT NULL,       -- 1 accepted, 0 withdrawn
  stated_at INTEGER NOT NULL,      -- unix ms, when the person made the statement (as the source says)
  received_at INTEGER NOT NULL,    -- unix ms, when the worker received it
  source TEXT NOT NULL,            -- browser | shop | imported | platform | salesmanago | setup
  page_url TEXT,                   -- browser: the page, without query or fragment
  form_id TEXT,
  order_id TEXT,
  delivery_id TEXT,                -- platform webhook delivery id, or the ledger id of the item
  version TEXT,                    -- the consent text's version the person saw
  ip TEXT,
  user_agent TEXT
);
CREATE INDEX consent_proofs_email ON consent_proofs (email, id);
CREATE INDEX consent_proofs_received ON consent_proofs (received_at);

-- Erasures (GDPR art. 17), recorded WITHOUT the e-mail: what was removed, and SALESmanago's delete.
CREATE TABLE erasures (
  id TEXT PRIMARY KEY,
  requested_at INTEGER NOT NULL,   -- unix ms
  source TEXT NOT NULL,            -- api | setup | shopify | woocommerce
  local_done_at INTEGER,           -- unix ms, when every local row and KV entry was removed
  removed TEXT,                    -- JSON {table: rows} of what was deleted or anonymised
  sm_status TEXT NOT NULL,         -- queued | deleted | not-found | failed
  sm_attempts INTEGER NOT NULL DEFAULT 0,
  sm_error TEXT,
  sm_done_at INTEGER
);
CREATE INDEX erasures_requested ON erasures (requested_at);

-- Suppression marks: keyed hashes (HMAC-SHA256, key derived from SHOP_API_SECRET, consent/suppression.ts)
-- of an erased person's e-mail, contact id and visitor ids. A stale beacon, a late callback, a queued
-- event or a re-run import that names one of them is refused with reason "erased".
CREATE TABLE erased_marks (
  hash TEXT PRIMARY KEY,           -- lowercase hex
  erased_at INTEGER NOT NULL       -- unix ms
);
