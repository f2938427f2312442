-- Links between first-party visitors and SALESmanago contacts. Written by the delivery consumer when a
-- visitor is identified; read by POST /e to answer the visitor's contactId (so the tracker sets smclient).
CREATE TABLE visitor_links (
  visitor_id TEXT PRIMARY KEY,
  email TEXT,                      -- lower-case
  contact_id TEXT,                 -- SALESmanago contactId, once known
  verified INTEGER NOT NULL DEFAULT 0,  -- 1 when the e-mail came from the shop server or a login token
  updated_at INTEGER NOT NULL      -- unix ms
);
CREATE INDEX visitor_links_email ON visitor_links (email);
