-- SALESmanago consent names the account refused in a contact upsert's consentDetails (the consent does
-- not exist there): not sent again until the merchant saves that consent text anew on /setup, and shown
-- there (worker/consent/account-consents.ts). No personal data: the name and SALESmanago's message
-- with any address blanked out.
CREATE TABLE consent_refusals (
  sm_name TEXT PRIMARY KEY,        -- the consentName SALESmanago refused
  message TEXT NOT NULL,           -- SALESmanago's message
  refused_at INTEGER NOT NULL      -- unix ms
);

-- The proof of a shop contact's named consents is read by its ledger id when the upsert is sent (the
-- IP and the text version go into consentDetails).
CREATE INDEX consent_proofs_delivery ON consent_proofs (delivery_id);
