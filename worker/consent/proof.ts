// Consent with proof (issue 23): every consent statement the worker receives becomes one append-only
// row of consent_proofs (ledger/consent-proofs.ts), with when it was stated and received, where from
// (page without its query, form, order, platform delivery), the version of the consent text, and the
// IP and user agent where a browser made it or the shop sent them. The shop reads them back with
// POST /api/v1/consents/proof; the setup page's contact view shows them as a timeline.
import type { AcceptedContact, AcceptedEvent } from '../queue/messages.ts';
import { consentKey } from './store.ts';
import { appendProofs, deleteProofsOf, proofsOf, pruneWithdrawnProofs, type ProofRow } from '../ledger/consent-proofs.ts';
import type { D1Reader } from '../ledger/sessions.ts';

export type { ProofRow } from '../ledger/consent-proofs.ts';

/** The consent names of the two built-in pairs; a named consent keeps the shop's own name. */
export const NEWSLETTER = 'newsletter';
const SMS = 'sms';

/** Proof that came with a request: the shop's top-level `ip`, `userAgent`, `version`. */
export interface RequestProof {
  ip?: string;
  userAgent?: string;
  version?: string;
}

/** A page URL without query and fragment: a query may hold the e-mail or a token (proof keeps the page only). */
function pageOnly(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.split(/[?#]/)[0] || undefined;
  }
}

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '')) as T;

/** The statements of a shop contact: its newsletter and sms choices (stated when received) and each named consent. */
export function contactStatements(contact: AcceptedContact, source: string, proof: RequestProof): ProofRow[] {
  const base = { email: contact.email.toLowerCase(), receivedAt: contact.receivedAt, source, deliveryId: contact.id, ip: proof.ip, userAgent: proof.userAgent };
  const rows: ProofRow[] = [];
  if (contact.newsletter)
    rows.push(defined({ ...base, name: NEWSLETTER, accepted: contact.newsletter === 'subscribe', statedAt: contact.receivedAt, version: proof.version }));
  if (contact.sms) rows.push(defined({ ...base, name: SMS, accepted: contact.sms === 'subscribe', statedAt: contact.receivedAt, version: proof.version }));
  for (const c of contact.consents ?? []) {
    rows.push(defined({ ...base, name: c.name, accepted: c.accepted, statedAt: c.at, version: (c as { version?: string }).version ?? proof.version }));
  }
  return rows;
}

/** A browser newsletter signup: a statement of the e-mail typed into the shop's form. */
function beaconStatement(event: AcceptedEvent): ProofRow | null {
  if (event.type !== 'newsletter' || !event.email) return null;
  return defined({
    email: event.email.toLowerCase(),
    contactId: event.contactId,
    name: NEWSLETTER,
    accepted: true,
    statedAt: event.occurredAt,
    receivedAt: event.receivedAt,
    source: 'browser',
    pageUrl: pageOnly(event.url),
    formId: event.formId,
    deliveryId: event.id,
    version: event.consentVersion,
    ip: event.ip,
    userAgent: event.userAgent,
  });
}

/**
 * The browser signups first seen by the consumer (a redelivery records nothing twice), with the IP and
 * user agent the request carried. The consumer has refused an erased person's already.
 */
export async function recordBeaconStatements(db: D1Database, events: readonly AcceptedEvent[]): Promise<void> {
  await appendProofs(
    db,
    events.flatMap((e) => beaconStatement(e) ?? []),
  );
}

export async function recordStatements(db: D1Database, rows: readonly ProofRow[]): Promise<void> {
  await appendProofs(db, rows);
}

/** The answer of POST /api/v1/consents/proof: every statement of the person, oldest first. */
export interface ProofItem {
  name: string;
  accepted: boolean;
  at: string;
  receivedAt: string;
  source: string;
  version?: string;
  text?: string;
  ip?: string;
  userAgent?: string;
  pageUrl?: string;
  formId?: string;
  orderId?: string;
  deliveryId?: string;
}

export async function proofOf(db: D1Reader, email: string): Promise<ProofItem[]> {
  const rows = await proofsOf(db, email.trim().toLowerCase());
  return rows.map((r) =>
    defined({
      name: r.name,
      accepted: r.accepted,
      at: new Date(r.statedAt).toISOString(),
      receivedAt: new Date(r.receivedAt).toISOString(),
      source: r.source,
      version: r.version,
      text: r.text,
      ip: r.ip,
      userAgent: r.userAgent,
      pageUrl: r.pageUrl,
      formId: r.formId,
      orderId: r.orderId,
      deliveryId: r.deliveryId,
    }),
  );
}

/** Days a withdrawn consent's proof is kept after the withdrawal (docs/privacy.md "Retention"). */
const PROOF_AFTER_WITHDRAWAL_DAYS = 3 * 365;

/** Hourly: forgets the proof of consents withdrawn longer ago than the retention. Answers how many rows. */
export async function pruneProofs(db: D1Database, now: number, days = PROOF_AFTER_WITHDRAWAL_DAYS, limit = 1000): Promise<number> {
  return pruneWithdrawnProofs(db, now - days * 24 * 3600 * 1000, limit);
}

/** Removes the statements and the consent entry of erased addresses (the consumer, for a late item). */
export async function forgetStatements(db: D1Database, kv: KVNamespace, emails: readonly string[]): Promise<void> {
  const unique = [...new Set(emails.map((e) => e.trim().toLowerCase()))];
  if (unique.length === 0) return;
  await deleteProofsOf(db, unique);
  await Promise.all(unique.map((e) => kv.delete(consentKey(e))));
}
