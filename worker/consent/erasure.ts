// The right to erasure (GDPR art. 17): POST /api/v1/contacts/erase, the setup page's button, and the
// platforms' customer-deletion webhooks all start one erasure here. In order:
//   1. the erasure is recorded (table erasures, without the e-mail);
//   2. suppression marks (keyed hashes, suppression.ts) of the e-mail, its contact ids and visitor ids
//      are written first, so that whatever arrives meanwhile is refused;
//   3. SALESmanago's contact delete is queued (the e-mail travels on the queue only) and retried by
//      the consumer (deliverErasure) until SALESmanago answers;
//   4. every ledger row holding the e-mail, a contact id or a visitor id is deleted (deliveries:
//      anonymised), in every table (ledger/erasure.ts), and the KV consent entry is deleted.
// The person's rows may be in any ledger database (ledger/databases.ts): their ids are looked up in all
// of them, and every one is swept; the erasure record and the marks are LEDGER's alone.
// A queue failure at 3 answers "retry" before anything local is removed: a retried request finds the
// marks in place and does the rest.
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { consentKey } from './store.ts';
import { ERASED_REASON, suppress, type MarkKind } from './suppression.ts';
import { eraseRows, insertErasure, markLocalDone, personOf, recordSmAttempt } from '../ledger/erasure.ts';
import type { EraseMessage } from '../queue/messages.ts';
import { sendMessages } from '../queue/send.ts';
import { SalesmanagoClient, SalesmanagoError } from '../salesmanago/client.ts';
import { errorText } from '../log.ts';
import { ledgerDatabases } from '../ledger/databases.ts';

export type ErasureSource = 'api' | 'setup' | 'shopify' | 'woocommerce';

export interface ErasureResult {
  id: string;
  /** Rows changed per table ("kv" for the KV entries). */
  removed: Record<string, number>;
}

export class ErasureQueueError extends Error {}

export async function eraseContact(
  env: Pick<Env, 'LEDGER' | 'CONSENTS' | 'EVENTS'>,
  secret: string,
  email: string,
  /** ledgers: how many ledger databases (config.ledgerDatabases; LEDGER alone by default). */
  options: { source: ErasureSource; now?: number; ledgers?: number },
): Promise<ErasureResult> {
  const now = options.now ?? Date.now();
  const address = email.trim().toLowerCase();
  const id = `erasure-${crypto.randomUUID()}`;
  await insertErasure(env.LEDGER, { id, requestedAt: now, source: options.source });
  const ledgers = ledgerDatabases(env, options.ledgers ?? 1);
  const person = await personOf(ledgers, address);
  const marks: { kind: MarkKind; value: string }[] = [
    { kind: 'email', value: address },
    ...person.contactIds.map((value) => ({ kind: 'contact' as const, value })),
    ...person.visitorIds.map((value) => ({ kind: 'visitor' as const, value })),
  ];
  await suppress(env.LEDGER, secret, marks, now);
  const message: EraseMessage = { kind: 'erase', erasureId: id, email: address };
  let refused: unknown;
  await sendMessages(env.EVENTS, [{ message }], { refused: (_part, err) => (refused = err ?? 'refused') });
  if (refused !== undefined) throw new ErasureQueueError(`the queue refused the SALESmanago delete: ${errorText(refused)}`);
  const removed: Record<string, number> = {};
  for (const each of await Promise.all(ledgers.map((db) => eraseRows(db, person, ERASED_REASON, now)))) {
    for (const [table, n] of Object.entries(each)) removed[table] = (removed[table] ?? 0) + n;
  }
  const kv = await env.CONSENTS.get(consentKey(address));
  if (kv !== null) {
    await env.CONSENTS.delete(consentKey(address));
    removed.kv = 1;
  }
  await markLocalDone(env.LEDGER, id, removed, Date.now());
  return { id, removed };
}

/** How many times the consumer asks SALESmanago before the erasure's delete is recorded as failed. */
const MAX_DELETE_ATTEMPTS = 20;

export type DeleteOutcome = { done: true } | { done: false; delaySeconds: number };

/**
 * One attempt at SALESmanago's contact delete, recorded on the erasure. A contact SALESmanago does not
 * have is an outcome ("not-found"), not a failure: nothing is left to delete there.
 */
export async function deliverErasure(
  message: EraseMessage,
  attempt: number,
  db: D1Database,
  config: Config,
  delay: (attempt: number, retryAfterS?: number) => number,
  fetcher?: typeof fetch,
): Promise<DeleteOutcome> {
  const now = Date.now();
  if (!config.salesmanago) {
    await recordSmAttempt(db, message.erasureId, 'queued', 'SALESmanago is not configured', now);
    return { done: false, delaySeconds: delay(attempt) };
  }
  try {
    await new SalesmanagoClient(config.salesmanago, fetcher).deleteContact(message.email);
    await recordSmAttempt(db, message.erasureId, 'deleted', null, now);
    return { done: true };
  } catch (err) {
    // SALESmanago's message may name the address: the erasure record must not.
    const reason = errorText(err).split(message.email).join('<email>');
    if (err instanceof SalesmanagoError && err.kind === 'permanent') {
      const notFound = err.messages.some((m) => /not\s*(been\s*)?found|does not exist|nie istnieje/i.test(m));
      await recordSmAttempt(db, message.erasureId, notFound ? 'not-found' : 'failed', reason, now);
      return { done: true };
    }
    if (attempt >= MAX_DELETE_ATTEMPTS) {
      await recordSmAttempt(db, message.erasureId, 'failed', reason, now);
      return { done: true };
    }
    await recordSmAttempt(db, message.erasureId, 'queued', reason, now);
    return { done: false, delaySeconds: delay(attempt, err instanceof SalesmanagoError ? err.retryAfterS : undefined) };
  }
}
