-- Webhook deliveries received from shop platforms (POST /hooks/woocommerce, /hooks/shopify): one row per
-- platform delivery id, so a repeated delivery is answered "duplicate" and changes nothing, and every
-- refused delivery stays visible with its reason (the setup page's "Shop platform" section reads it).
-- The events and contacts a delivery produced are rows of `deliveries` (ids in `items`).
CREATE TABLE platform_deliveries (
  platform TEXT NOT NULL,          -- woocommerce | shopify
  delivery_id TEXT NOT NULL,       -- X-WC-Webhook-Delivery-ID / X-Shopify-Webhook-Id; see worker/platforms/deliveries.ts
  topic TEXT,                      -- e.g. order.updated, orders/paid
  outcome TEXT NOT NULL,           -- accepted | ignored | ping | refused
  http_status INTEGER NOT NULL,
  reason TEXT,                     -- why it was refused or ignored
  items TEXT,                      -- JSON array of ledger ids (deliveries.id) it produced
  received_at INTEGER NOT NULL,    -- unix ms
  PRIMARY KEY (platform, delivery_id)
);
CREATE INDEX platform_deliveries_received ON platform_deliveries (platform, received_at);
