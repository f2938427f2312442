// The right of access (GDPR art. 15): POST /api/v1/contacts/export and the setup page's download.
// One JSON document with everything this worker holds about a person; each field is described in
// docs/privacy.md "Access". Stored payloads are read by ledger/payloads.ts' rule: here through the
// person's rows, parsed as the queue messages they are. The person's rows may be in any ledger database
// (ledger/databases.ts): every one is read (on its primary) and the answers merged; the consent log and
// proofs are LEDGER's alone.
import { changesOf, deliveriesOf, linksOf, personOf } from '../ledger/erasure.ts';
import { proofOf, type ProofItem } from './proof.ts';
import { readConsent } from './store.ts';

export interface AccessDocument {
  email: string;
  exportedAt: string;
  newsletter: { status: string; changedAt: string; source: string } | null;
  consentChanges: { status: string; changedAt: string; source: string }[];
  consents: ProofItem[];
  contact: Record<string, unknown>;
  contactIds: string[];
  visitors: { visitorId: string; contactId?: string; verified: boolean; updatedAt: string }[];
  events: {
    id: string;
    type: string;
    source: string;
    status: string;
    attempts: number;
    lastError?: string;
    acceptedAt: string;
    updatedAt: string;
    salesmanagoEventId?: string;
    data?: unknown;
  }[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const CONTACT_FIELDS = ['name', 'phone', 'company', 'lang', 'externalId', 'address', 'birthday', 'properties'] as const;

/** The most events one document lists (ledger/erasure.ts deliveriesOf's bound, over all databases). */
const MAX_EVENTS = 10_000;

/** The document of an e-mail, read from every ledger database in `ledgers` (LEDGER first: ledger/databases.ts ledgerDatabases). */
export async function exportContact(ledgers: readonly D1Database[], kv: KVNamespace, email: string, now = Date.now()): Promise<AccessDocument> {
  const address = email.trim().toLowerCase();
  const db = ledgers[0]!;
  const person = await personOf(ledgers, address);
  const [stored, changes, proof, eachRows, eachLinks] = await Promise.all([
    readConsent(kv, address),
    changesOf(db, address),
    proofOf(db, address),
    Promise.all(ledgers.map((l) => deliveriesOf(l, person))),
    Promise.all(ledgers.map((l) => linksOf(l, person))),
  ]);
  // Oldest first, as each database answers them.
  const rows = eachRows
    .flat()
    .sort((a, b) => a.accepted_at - b.accepted_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, MAX_EVENTS);
  const links = eachLinks.flat().sort((a, b) => a.updated_at - b.updated_at);
  const contact: Record<string, unknown> = {};
  const events: AccessDocument['events'] = [];
  for (const r of rows) {
    let data: unknown;
    try {
      data = r.payload ? JSON.parse(r.payload) : undefined;
    } catch {
      data = undefined;
    }
    // The latest value of each contact field the shop sent (contacts and order buyers), oldest first.
    const item = data as { contact?: Record<string, unknown>; event?: { buyer?: Record<string, unknown> } & Record<string, unknown> } | undefined;
    const fields = item?.contact ?? (item?.event ? { ...item.event, ...item.event.buyer } : undefined);
    for (const f of CONTACT_FIELDS) if (fields && fields[f] !== undefined) contact[f] = fields[f];
    events.push({
      id: r.id,
      type: r.type,
      source: r.source,
      status: r.status,
      attempts: r.attempts,
      ...(r.last_error ? { lastError: r.last_error } : {}),
      acceptedAt: iso(r.accepted_at),
      updatedAt: iso(r.updated_at),
      ...(r.sm_event_id ? { salesmanagoEventId: r.sm_event_id } : {}),
      ...(data !== undefined ? { data } : {}),
    });
  }
  return {
    email: address,
    exportedAt: iso(now),
    newsletter: stored ? { status: stored.status, changedAt: iso(stored.changedAt), source: stored.source } : null,
    consentChanges: changes.map((c) => ({ status: c.status, changedAt: iso(c.changed_at), source: c.source })),
    consents: proof,
    contact,
    contactIds: person.contactIds,
    visitors: links.map((l) => ({
      visitorId: l.visitor_id,
      ...(l.contact_id ? { contactId: l.contact_id } : {}),
      verified: l.verified === 1,
      updatedAt: iso(l.updated_at),
    })),
    events,
  };
}
