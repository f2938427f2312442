// A newsletter choice stated by the shop (POST /api/v1/contacts) is also a consent change: it goes to
// the consent store (KV) with source 'shop', so GET /api/v1/consents reflects it at once.
import type { AcceptedContact } from '../queue/messages.ts';
import { recordConsent } from '../consent/store.ts';
import { contactStatements, recordStatements, type RequestProof } from '../consent/proof.ts';
import { erasedAmong } from '../consent/suppression.ts';
import { proofsStatement } from '../ledger/consent-proofs.ts';
import { logError } from '../log.ts';

export async function recordShopConsent(kv: KVNamespace, contact: AcceptedContact): Promise<void> {
  if (!contact.newsletter) return;
  try {
    await recordConsent(kv, {
      email: contact.email,
      status: contact.newsletter === 'subscribe' ? 'opt-in' : 'opt-out',
      changedAt: contact.receivedAt,
      source: 'shop',
    });
  } catch (err) {
    // The contact itself is queued (with its newsletter flag) and SALESmanago's callback will report
    // the resulting status, so a KV hiccup here loses no consent; it is logged, not failed.
    logError('consent store write failed', {}, err);
  }
}

/**
 * The newsletter choices of a batch's contacts, written at once rather than one after another (a
 * batch holds up to 500). Per address only the batch's last choice is written: all share one
 * receivedAt, so written one by one the last would have won as well, and two concurrent writes of
 * one address could land in either order.
 */
async function recordShopConsents(kv: KVNamespace, contacts: readonly AcceptedContact[]): Promise<void> {
  const last = new Map<string, AcceptedContact>();
  for (const contact of contacts) {
    if (!contact.newsletter) continue;
    const email = contact.email.trim().toLowerCase();
    last.set(email, contact);
  }
  await Promise.all([...last.values()].map((contact) => recordShopConsent(kv, contact)));
}

/**
 * Everything a shop request states about consents: the newsletter choices into the consent store (as
 * above) and every statement with its proof (consent/proof.ts, source "shop", or "imported" for the
 * history batch). An erased person's statements are neither (consent/suppression.ts): a re-run import
 * must not bring them back; the consumer refuses their queued items.
 */
export async function recordShopStatements(
  env: { CONSENTS: KVNamespace; LEDGER: D1Database },
  secret: string | null,
  contacts: readonly AcceptedContact[],
  source: 'shop' | 'imported' | 'platform',
  proof: RequestProof,
): Promise<void> {
  if (contacts.length === 0) return;
  const erased = secret
    ? await erasedAmong(
        env.LEDGER,
        secret,
        contacts.map((c) => ({ kind: 'email' as const, value: c.email })),
      )
    : new Set<number>();
  const kept = contacts.filter((_, i) => !erased.has(i));
  await recordStatements(
    env.LEDGER,
    kept.flatMap((c) => contactStatements(c, source, proof)),
  );
  await recordShopConsents(env.CONSENTS, kept);
}

/**
 * One contact's statements as a statement to run with its ledger row (one D1 round trip instead of
 * two: POST /api/v1/contacts), and whether the person was erased (then nothing is recorded).
 */
export async function contactStatementsAlongside(
  db: D1Database,
  secret: string | null,
  contact: AcceptedContact,
  proof: RequestProof,
): Promise<{ statements: D1PreparedStatement[]; erased: boolean }> {
  const erased = secret ? (await erasedAmong(db, secret, [{ kind: 'email', value: contact.email }])).size > 0 : false;
  const rows = erased ? [] : contactStatements(contact, 'shop', proof);
  return { statements: rows.length > 0 ? [proofsStatement(db, rows)] : [], erased };
}
