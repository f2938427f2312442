// The answers a request can be refused with, as hono HTTPExceptions: thrown where the problem is found
// (middleware, a domain function), turned into the JSON answer `{"error": …}` by hono and by app.onError
// in index.ts. A shared room: any folder may throw them.
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** A refusal with its status and the one-line `error` the contracts promise (docs/contracts.md). */
class RequestRefused extends HTTPException {
  constructor(status: ContentfulStatusCode, readonly error: string, headers: Record<string, string> = {}) {
    super(status, { res: Response.json({ error }, { status, headers }), message: error });
  }
}

/** 401: the request is not authenticated (missing, wrong or replayed signature). */
export class Unauthenticated extends RequestRefused {
  constructor(error: string) {
    super(401, error);
  }
}

/** 503: the ledger (D1) refused the write; nothing was recorded, so the client must retry. */
export class LedgerUnavailable extends RequestRefused {
  constructor() {
    super(503, 'the event ledger is temporarily unavailable; nothing was recorded, retry later', { 'Retry-After': '30' });
  }
}
