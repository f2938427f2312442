-- Contacts whose data came from the shop (signed API, platform webhooks): a browser's unverified name,
-- phone, company, language or address never changes them (worker/delivery/profile.ts, docs/trust.md
-- "Who may change what"). Set when SALESmanago confirms an upsert the shop's data was in.
ALTER TABLE known_contacts ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0;
-- Contacts the shop sent before this column existed: their delivered shop rows name them.
UPDATE known_contacts SET trusted = 1
WHERE email IN (SELECT lower(contact) FROM deliveries WHERE source = 'shop' AND status = 'delivered' AND contact LIKE '%@%');
