-- Which e-mail a shop platform's customer id had (WooCommerce customer and order deliveries), so that
-- WooCommerce's customer.deleted, whose payload carries only {id}, can start the person's erasure
-- (worker/platforms/customers.ts, docs/privacy.md). The row holds the e-mail: an erasure sweeps it
-- like every other row naming the person (ledger/erasure.ts).
CREATE TABLE platform_customers (
  platform TEXT NOT NULL,          -- woocommerce
  customer_id TEXT NOT NULL,       -- the platform's customer id
  email TEXT NOT NULL,             -- lower-case; an account's e-mail and each order's billing e-mail
  seen_at INTEGER NOT NULL,        -- unix ms of the latest delivery that stated it
  PRIMARY KEY (platform, customer_id, email)
);
