// How long a message waits before its next attempt. Exponential with jitter (so that a burst of
// failures does not come back as a burst), never sooner than SALESmanago's Retry-After.

/** Cloudflare Queues accept delays up to 12 h. */
export const MAX_DELAY_S = 43_200;
/** Default first step (DELIVERY_RETRY_BASE_S); the steps stop growing at 120 × the first, at most 1 h. */
const RETRY_BASE_S = 30;
const CAP_S = 3_600;
/** While SALESmanago is not configured: 10 min, doubling, up to 12 h (~2.3 days over 10 retries). */
const UNCONFIGURED_BASE_S = 600;

/** attempts: the attempt that just failed, 1 for the first. Jitter: 50-100 % of the step. */
export function retryDelay(attempts: number, retryAfterS?: number, random: () => number = Math.random, baseS = RETRY_BASE_S): number {
  const step = Math.min(CAP_S, baseS * 120, baseS * 2 ** Math.max(0, Math.min(attempts, 20) - 1));
  const jittered = Math.ceil(step / 2 + (random() * step) / 2);
  return Math.min(MAX_DELAY_S, Math.max(jittered, Math.ceil(retryAfterS ?? 0)));
}

export function unconfiguredDelay(attempts: number): number {
  return Math.min(MAX_DELAY_S, UNCONFIGURED_BASE_S * 2 ** Math.max(0, Math.min(attempts, 20) - 1));
}
