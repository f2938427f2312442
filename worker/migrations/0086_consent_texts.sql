-- Consent texts defined on /setup (issue 23 item 4): each change of a text is a new version; old
-- versions stay readable, so the proof of a statement shows the very text the person agreed to.
CREATE TABLE consent_texts (
  name TEXT NOT NULL,              -- the consent name statements use: newsletter, sms, or the shop's own
  version TEXT NOT NULL,           -- "1", "2", … (numbered here), in the order created
  seq INTEGER NOT NULL,            -- the version's number, for ordering
  text TEXT NOT NULL,
  sm_name TEXT,                    -- SALESmanago's consent name, when it differs
  sm_id TEXT,                      -- SALESmanago's consentDescriptionId
  created_at INTEGER NOT NULL,     -- unix ms
  PRIMARY KEY (name, version)
);
