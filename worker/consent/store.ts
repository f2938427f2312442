// Newsletter consent per e-mail, in KV: `consent:<email>` = {status, changedAt, source}.
// Both directions meet here: SALESmanago's callbacks (source "salesmanago") and the shop's own
// subscribe/unsubscribe (source "shop", from POST /api/v1/contacts).
//
// Rules:
// - Later wins: a change older than the stored changedAt does not overwrite it (callbacks can
//   arrive out of order). It is not logged either, so that replaying the log in order always ends
//   in the stored status.
// - Idempotent: a change to the status already stored changes nothing and is not logged.
// - The changes log (changes.ts) holds what came from SALESmanago: the shop's own changes and the
//   setup page's test address ("test") are stored but not logged.
// KV has no compare-and-set: two changes of the same address within the same moment in different
// locations resolve as last writer wins.
import { appendChange, type ConsentChange, type ConsentStatus } from './changes.ts';

export type { ConsentChange, ConsentStatus } from './changes.ts';

export interface StoredConsent {
  status: ConsentStatus;
  changedAt: number;
  source: string;
}

/** The address the setup page's "Test callback URL" uses. Its changes never reach the shop. */
export const TEST_EMAIL = 'sm-edge-test@example.com';

const UNLOGGED_SOURCES = new Set(['shop', 'test']);

export function consentKey(email: string): string {
  return `consent:${email}`;
}

export async function readConsent(kv: KVNamespace, email: string): Promise<StoredConsent | null> {
  return kv.get<StoredConsent>(consentKey(email), 'json');
}

export type RecordOutcome = 'changed' | 'unchanged' | 'stale';

export async function recordConsent(
  kv: KVNamespace,
  change: ConsentChange,
  options: { now?: number } = {},
): Promise<{ changed: boolean; outcome: RecordOutcome; id?: string }> {
  const email = change.email.trim().toLowerCase();
  const current = await readConsent(kv, email);
  if (current && current.changedAt > change.changedAt) return { changed: false, outcome: 'stale' };
  if (current && current.status === change.status) return { changed: false, outcome: 'unchanged' };

  const stored: StoredConsent = { status: change.status, changedAt: change.changedAt, source: change.source };
  const writes: [Promise<void>, Promise<string | undefined>] = [
    kv.put(consentKey(email), JSON.stringify(stored)),
    UNLOGGED_SOURCES.has(change.source)
      ? Promise.resolve(undefined)
      : appendChange(kv, { ...stored, email }, options.now ?? Date.now()),
  ];
  const [, id] = await Promise.all(writes);
  return id ? { changed: true, outcome: 'changed', id } : { changed: true, outcome: 'changed' };
}
