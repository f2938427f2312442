-- Signed platform deliveries that could not become events yet are kept, not refused (WooCommerce never
-- retries and disables a webhook after more than 5 failures): the raw body, for a replay after the fix
-- (worker/platforms/kept.ts). Set only while the row's outcome is 'kept'.
ALTER TABLE platform_deliveries ADD COLUMN body TEXT;
CREATE INDEX platform_deliveries_kept ON platform_deliveries (outcome, received_at);
