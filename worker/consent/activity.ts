// What the setup page shows about callbacks: the last one accepted from SALESmanago, and the last
// one refused (a wrong key usually means a mistyped URL in SALESmanago). One KV key each; KV allows
// about one write per second per key, so these writes are best effort and never fail a callback.
import type { ConsentStatus } from './changes.ts';
import { logWarn } from '../log.ts';

export const LAST_CALLBACK_KEY = 'meta:last-callback';
export const LAST_REFUSED_CALLBACK_KEY = 'meta:last-refused-callback';

export interface CallbackSeen {
  at: number;
  kind: ConsentStatus;
  outcome: string;
  /** Refused callbacks only: how many this worker instance refused since its previous note. */
  count?: number;
}

/**
 * Refused callbacks come from anyone (a wrong key costs nothing), so they are not written one KV put
 * each (the free plan allows 1,000 writes a day): each worker instance writes the first refusal at
 * once (a merchant testing a mistyped URL sees it) and then at most one note per interval, carrying
 * the latest refusal and how many were refused since the previous note.
 */
const REFUSED_NOTE_INTERVAL_MS = 10 * 60 * 1000;
let refusedSince = 0;
let lastRefusedNote = Number.NEGATIVE_INFINITY;

export async function noteRefusedCallback(kv: KVNamespace, seen: CallbackSeen): Promise<void> {
  refusedSince += 1;
  if (seen.at - lastRefusedNote < REFUSED_NOTE_INTERVAL_MS) return;
  lastRefusedNote = seen.at;
  const count = refusedSince;
  refusedSince = 0;
  await noteCallback(kv, LAST_REFUSED_CALLBACK_KEY, { ...seen, count });
}

/** Tests only: forget this instance's refused-callback state. */
export function resetRefusedNotes(): void {
  refusedSince = 0;
  lastRefusedNote = Number.NEGATIVE_INFINITY;
}

export async function noteCallback(kv: KVNamespace, key: string, seen: CallbackSeen): Promise<void> {
  try {
    await kv.put(key, JSON.stringify(seen));
  } catch (err) {
    logWarn('could not record callback activity', {}, err);
  }
}

export async function readCallbackActivity(kv: KVNamespace): Promise<{ accepted: CallbackSeen | null; refused: CallbackSeen | null }> {
  const [accepted, refused] = await Promise.all([kv.get<CallbackSeen>(LAST_CALLBACK_KEY, 'json'), kv.get<CallbackSeen>(LAST_REFUSED_CALLBACK_KEY, 'json')]);
  return { accepted, refused };
}
