// The answers a request can be refused with, as hono HTTPExceptions: thrown where the problem is found
// (middleware, a domain function), turned into the JSON answer `{"error": …}` in one place, app.onError
// in index.ts (hono's own error handler answers them the same way for a router used on its own).
// A shared room: any folder may throw them; none builds an HTTP answer of its own.
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { logError } from './log.ts';

/** A refusal with its status and the one-line `error` the contracts promise (docs/contracts.md). */
export class RequestRefused extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly error: string,
    headers: Record<string, string> = {},
  ) {
    super(status, { res: Response.json({ error }, { status, headers }), message: error });
  }
}

/** 400: the request (its body, a field, a query parameter) is not what the contract asks for. */
export class InvalidRequest extends RequestRefused {
  constructor(error: string) {
    super(400, error);
  }
}

/** 401: the request is not authenticated (missing, wrong or replayed signature). */
export class Unauthenticated extends RequestRefused {
  constructor(error: string) {
    super(401, error);
  }
}

/** 403: authenticated or not, this request is not allowed (a foreign origin, a wrong key). */
export class Forbidden extends RequestRefused {
  constructor(error: string) {
    super(403, error);
  }
}

/** 404: nothing answers here. */
export class NotFound extends RequestRefused {
  constructor(error: string) {
    super(404, error);
  }
}

/** 405, with the Allow header naming the method that is. */
export class MethodNotAllowed extends RequestRefused {
  constructor(error: string, allow?: string) {
    super(405, error, allow ? { Allow: allow } : {});
  }
}

/** 408: the body did not arrive in time (a slow upload holds memory others need). */
export class RequestTimeout extends RequestRefused {
  constructor(error: string) {
    super(408, error);
  }
}

/** 413: the body is larger than this path accepts. */
export class TooLarge extends RequestRefused {
  constructor(error: string) {
    super(413, error);
  }
}

/** 429: too many requests; Retry-After says when to come back. */
export class RateLimited extends RequestRefused {
  constructor(error: string, retryAfterS: number) {
    super(429, error, { 'Retry-After': String(retryAfterS) });
  }
}

/** 503: the worker cannot take this now (a service down, a required secret unset); retry or fix. */
export class Unavailable extends RequestRefused {
  constructor(error: string, retryAfterS?: number) {
    super(503, error, retryAfterS === undefined ? {} : { 'Retry-After': String(retryAfterS) });
  }
}

/** 503: the ledger (D1) refused the write; nothing was recorded, so the client must retry. */
export class LedgerUnavailable extends Unavailable {
  constructor() {
    super('the event ledger is temporarily unavailable; nothing was recorded, retry later', 30);
  }
}

/** 409: an order re-posted with other content; the first version stands (docs/shop-server.md). The
 *  answer names the fields that differ and has no `error` (http/refusals.ts records it as a conflict). */
export class OrderConflict extends HTTPException {
  constructor(
    readonly id: string,
    readonly fields: string[],
  ) {
    super(409, { res: Response.json({ id, status: 'conflict', fields }, { status: 409 }), message: 'conflict' });
  }
}

/** A refusal already decided (a replay, …) stands; any other failure of the ledger is a 503 to retry. */
export function ledgerUnavailable(err: unknown): never {
  if (err instanceof HTTPException) throw err;
  logError('ledger write failed', {}, err);
  throw new LedgerUnavailable();
}
