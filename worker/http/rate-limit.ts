// Rate Limiting bindings (RATE_LIMIT_IP, RATE_LIMIT_VISITOR in wrangler.toml).
import { logError } from '../log.ts';
/** True when the key is within its limit. A failing limiter lets the request through: losing events
 *  because the limiter is down would be worse than briefly not limiting. */
export async function withinLimit(limiter: RateLimit | undefined, key: string): Promise<boolean> {
  if (!limiter) return true;
  try {
    return (await limiter.limit({ key })).success;
  } catch (err) {
    logError('rate limiter failed; request allowed', {}, err);
    return true;
  }
}
