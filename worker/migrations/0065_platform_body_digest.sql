-- The SHA-256 of each platform delivery's raw body, so that the same signed bytes re-sent under another
-- delivery id (or none) are recognised as a repeat: the delivery id is not covered by the signature
-- (worker/platforms/receive.ts, docs/trust.md "Who may change what").
ALTER TABLE platform_deliveries ADD COLUMN body_digest TEXT;
CREATE INDEX platform_deliveries_digest ON platform_deliveries (platform, body_digest);
