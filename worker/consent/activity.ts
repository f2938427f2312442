// What the setup page shows about callbacks: the last one accepted from SALESmanago, and the last
// one refused (a wrong key usually means a mistyped URL in SALESmanago). One KV key each; KV allows
// about one write per second per key, so these writes are best effort and never fail a callback.
import type { ConsentStatus } from './changes.ts';

export const LAST_CALLBACK_KEY = 'meta:last-callback';
export const LAST_REFUSED_CALLBACK_KEY = 'meta:last-refused-callback';

export interface CallbackSeen {
  at: number;
  kind: ConsentStatus;
  outcome: string;
}

export async function noteCallback(kv: KVNamespace, key: string, seen: CallbackSeen): Promise<void> {
  try {
    await kv.put(key, JSON.stringify(seen));
  } catch (err) {
    console.warn('could not record callback activity', err instanceof Error ? err.message : err);
  }
}

export async function readCallbackActivity(
  kv: KVNamespace,
): Promise<{ accepted: CallbackSeen | null; refused: CallbackSeen | null }> {
  const [accepted, refused] = await Promise.all([
    kv.get<CallbackSeen>(LAST_CALLBACK_KEY, 'json'),
    kv.get<CallbackSeen>(LAST_REFUSED_CALLBACK_KEY, 'json'),
  ]);
  return { accepted, refused };
}
