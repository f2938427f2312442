// Events whose sending failed (network down, collector 5xx or 429) wait in localStorage as
// [not before (ms), ...events] and are retried with the next send once due, or at once when the
// browser comes back online. The wait is as long as the oldest waiting event has waited so far (at
// most an hour), so retries back off exponentially without a counter to keep. Capped at 100 events
// and 7 days, so a blocked collector cannot fill the shop's storage.
import { can } from './consent';
import type { Ev } from './events';
import { store } from './identity';

const K = 'sm_o';

/** Due events (all of them when forced), taken out of storage while they are in flight. */
export const take = (force?: unknown): Ev[] => {
  try {
    const [at, ...e] = JSON.parse(store(K));
    if (force || at <= Date.now()) return store(K, '[]') && e;
  } catch {}
  return [];
};

export const keep = (e: Ev[]) => {
  const now = Date.now();
  e = [...take(1), ...e].filter((x) => x.t > now - 6048e5).slice(-100);
  can() && store(K, JSON.stringify([now + Math.min(now - e[0]!.t, 36e5), ...e]));
};
