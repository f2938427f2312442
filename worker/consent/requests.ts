// The shop's signed consent and privacy requests (routes/consents.ts, routes/privacy.ts), one function
// per route: read the e-mail or the query as the contract says (docs/contracts.md "Shop server API",
// docs/privacy.md), do it, answer the result. A refusal is thrown (worker/errors.ts): 400 naming the
// field, 503 (Retry-After 30) when the store fails, for nothing is lost and the shop retries.
import type { Env } from '../env.ts';
import { InvalidRequest, Unavailable } from '../errors.ts';
import { logError } from '../log.ts';
import { ledgerDatabases } from '../ledger/databases.ts';
import { exportContact, type AccessDocument } from './access.ts';
import { isCursor, listChanges } from './changes.ts';
import { readEmail } from './email.ts';
import { eraseContact, ErasureQueueError } from './erasure.ts';
import { proofOf, type ProofItem } from './proof.ts';
import { readConsent } from './store.ts';

const DEFAULT_LIMIT = 100;
const MAX_CHANGES_LIMIT = 1000;

/** The e-mail of a body `{"email": "…"}`, or InvalidRequest naming it. */
function emailOfBody(body: unknown): string {
  const raw = (body as { email?: unknown } | null)?.email;
  if (raw !== undefined && typeof raw !== 'string') throw new InvalidRequest('email: must be a string');
  return emailOf(raw);
}

function emailOf(raw: string | null | undefined): string {
  const read = readEmail(raw);
  if (!read.ok) throw new InvalidRequest(read.error);
  return read.email;
}

/** A failure of the store: logged (the step named: the queue or the ledger) and answered 503. */
function unavailable(what: string, err: unknown): Unavailable {
  logError(`${what} failed`, {}, err);
  return new Unavailable(`the ${what} could not be completed now; nothing is lost, retry later`, 30);
}

/** Runs `work`; a failure of the store is answered 503, nothing being lost. */
async function orUnavailable<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw unavailable(what, err);
  }
}

/** POST /api/v1/contacts/erase (art. 17, erasure.ts). */
/** `ledgers`: how many ledger databases (config.ledgerDatabases), each holding some people's rows. */
export async function eraseRequest(
  env: Pick<Env, 'LEDGER' | 'CONSENTS' | 'EVENTS'>,
  secret: string,
  body: unknown,
  ledgers = 1,
): Promise<{ id: string; status: 'queued' }> {
  const email = emailOfBody(body);
  try {
    const { id } = await eraseContact(env, secret, email, { source: 'api', ledgers });
    return { id, status: 'queued' };
  } catch (err) {
    throw unavailable(err instanceof ErasureQueueError ? 'erasure (queue)' : 'erasure', err);
  }
}

/** POST /api/v1/contacts/export (art. 15, access.ts). */
export async function exportRequest(env: Pick<Env, 'LEDGER' | 'CONSENTS'>, body: unknown, ledgers = 1): Promise<AccessDocument> {
  const email = emailOfBody(body);
  return orUnavailable('export', () => exportContact(ledgerDatabases(env, ledgers), env.CONSENTS, email));
}

/** POST /api/v1/consents/proof: the statements recorded, oldest first (proof.ts). */
export async function proofRequest(env: Pick<Env, 'LEDGER'>, body: unknown): Promise<{ items: ProofItem[] }> {
  const email = emailOfBody(body);
  return { items: await orUnavailable('proof lookup', () => proofOf(env.LEDGER, email)) };
}

/** GET /api/v1/consents/<email> and POST /api/v1/consents/lookup: the stored status, or "unknown". */
export async function lookupConsent(kv: KVNamespace, raw: string | null | undefined) {
  const email = emailOf(raw);
  const stored = await readConsent(kv, email);
  if (!stored) return { email, status: 'unknown' as const };
  return { email, status: stored.status, changedAt: stored.changedAt };
}

/** POST /api/v1/consents/lookup's body `{"email": "…"}` (a missing or non-string e-mail reads as none). */
export async function lookupConsentOfBody(kv: KVNamespace, body: unknown) {
  const raw = (body as { email?: unknown } | null)?.email;
  return lookupConsent(kv, typeof raw === 'string' ? raw : null);
}

/** GET /api/v1/consents?since=<cursor>&limit=<n>: a page of changes and the cursor of the next. */
export async function changesRequest(db: D1Database, query: { since?: string | undefined; limit?: string | undefined }) {
  const since = query.since ?? '';
  if (since !== '' && !isCursor(since)) throw new InvalidRequest('since must be a cursor returned as "next" by this API');
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGES_LIMIT) {
    throw new InvalidRequest(`limit must be an integer from 1 to ${MAX_CHANGES_LIMIT}`);
  }
  const page = await listChanges(db, { since, limit });
  return { items: page.items.map(({ email, status, changedAt }) => ({ email, status, changedAt })), next: page.next };
}
