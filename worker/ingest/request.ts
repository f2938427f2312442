// The shop API routes' answer when the ledger refuses a write (JSON bodies and background work are
// in http/).
import { HTTPException } from 'hono/http-exception';
import { LedgerUnavailable } from '../errors.ts';
import { logError } from '../log.ts';

/** A refusal already decided (a replay, …) stands; any other failure of the ledger is a 503 to retry. */
export function ledgerUnavailable(err: unknown): never {
  if (err instanceof HTTPException) throw err;
  logError('ledger write failed', {}, err);
  throw new LedgerUnavailable();
}
