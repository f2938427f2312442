// Newsletter consent per e-mail, in KV: `consent:<email>` = {status, changedAt, source}.
// Both directions meet here: SALESmanago's callbacks (source "salesmanago") and the shop's own
// subscribe/unsubscribe (source "shop", from POST /api/v1/contacts).
//
// Rules:
// - Later wins: a change older than the stored changedAt does not overwrite it (callbacks can
//   arrive out of order). It is not logged either, so that replaying the log in order always ends
//   in the stored status.
// - Idempotent: a change to the status already stored changes nothing and is not logged.
// - The changes log (changes.ts, in D1) holds what came from SALESmanago: the shop's own changes and
//   the setup page's test address ("test") are stored but not logged. For a logged change the log
//   decides (one D1 transaction); KV is written only when the log took the change.
// KV has no compare-and-set: after its write, the status the log decided on is read back and written
// again if another change of the same address overtook this one, so KV ends where the log ends.
import { appendChange, latestLogged, type ConsentChange, type ConsentStatus } from './changes.ts';

export type { ConsentChange } from './changes.ts';

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

/**
 * `log`: the D1 database holding the changes log; required for a change that is logged (any source
 * but "shop" and "test").
 */
export async function recordConsent(
  kv: KVNamespace,
  change: ConsentChange,
  options: { now?: number; log?: D1Database } = {},
): Promise<{ changed: boolean; outcome: RecordOutcome; id?: string }> {
  const email = change.email.trim().toLowerCase();
  const current = await readConsent(kv, email);
  if (current && current.changedAt > change.changedAt) return { changed: false, outcome: 'stale' };
  if (current && current.status === change.status) return { changed: false, outcome: 'unchanged' };

  const stored: StoredConsent = { status: change.status, changedAt: change.changedAt, source: change.source };
  if (UNLOGGED_SOURCES.has(change.source)) {
    await kv.put(consentKey(email), JSON.stringify(stored));
    return { changed: true, outcome: 'changed' };
  }
  if (!options.log) throw new Error(`recordConsent: a change from "${change.source}" is logged, and needs options.log (D1)`);
  const appended = await appendChange(options.log, { ...stored, email }, options.now ?? Date.now());
  if (!appended.logged) return { changed: false, outcome: appended.outcome };
  await kv.put(consentKey(email), JSON.stringify(stored));
  // A concurrent change of this address may have been logged after ours and written to KV before it.
  const latest = await latestLogged(options.log, email);
  if (latest && (latest.status !== stored.status || latest.changedAt !== stored.changedAt)) {
    await kv.put(consentKey(email), JSON.stringify({ status: latest.status, changedAt: latest.changedAt, source: change.source }));
  }
  return { changed: true, outcome: 'changed', id: appended.id };
}
