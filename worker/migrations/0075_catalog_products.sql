-- The product catalog (docs/catalog.md): one row per shop product id, written by ledger/catalog-products.ts
-- alone. `hash` is the content of the latest version accepted (POST /api/v1/products or a platform
-- webhook); `sent_*` is the version SALESmanago confirmed, in which catalog. A version whose hash equals
-- the row's is "unchanged" and is never sent again; `sent_payload` decides the narrower calls
-- (quantity or price only). Products are not personal data.
CREATE TABLE catalog_products (
  product_id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,             -- SHA-256 hex of the latest accepted version
  payload TEXT NOT NULL,          -- that version (JSON, worker/catalog/product.ts CatalogProduct)
  status TEXT NOT NULL,           -- queued | sent | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  reason_code INTEGER,            -- SALESmanago v3 reasonCode of a permanent failure (or of the last try)
  error TEXT,
  sent_hash TEXT,
  sent_catalog TEXT,
  sent_payload TEXT,
  accepted_at INTEGER NOT NULL,   -- unix ms
  updated_at INTEGER NOT NULL     -- unix ms
);
CREATE INDEX catalog_products_status ON catalog_products (status, updated_at);
