// The collector routes' answer when the ledger refuses a write (JSON bodies and background work are
// in http/).
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { logError } from '../log.ts';

/** The ledger (D1) refused the write: nothing was recorded, so the client must retry. */
export function ledgerUnavailable(c: Context<AppEnv>, err: unknown) {
  logError('ledger write failed', {}, err);
  c.header('Retry-After', '30');
  return c.json({ error: 'the event ledger is temporarily unavailable; nothing was recorded, retry later' }, 503);
}
