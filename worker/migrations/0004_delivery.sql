-- Delivery state kept by the queue consumer (worker/delivery).

-- Held events of anonymous visitors are rows of `deliveries` with status 'held': found by visitor.
CREATE INDEX deliveries_visitor_status ON deliveries (visitor_id, status, accepted_at);

-- Contacts SALESmanago has confirmed (answered a contactId for), so later events of the same e-mail
-- need no upsert of their own.
CREATE TABLE known_contacts (
  email TEXT PRIMARY KEY,          -- lower-case
  contact_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL      -- unix ms
);
CREATE INDEX known_contacts_contact_id ON known_contacts (contact_id);

-- The open CART event per contact (updated in place for up to 12 h, closed by a Purchase).
CREATE TABLE open_carts (
  contact_key TEXT PRIMARY KEY,    -- "email:<lower-case e-mail>" or "contact:<contactId>"
  event_id TEXT NOT NULL,          -- SALESmanago eventId of the CART event
  opened_at INTEGER NOT NULL,      -- unix ms
  updated_at INTEGER NOT NULL      -- unix ms
);
CREATE INDEX open_carts_opened ON open_carts (opened_at);
