// How a failed SALESmanago call is reported and classified. "transient" means a later retry of the
// same request may succeed; "permanent" means retrying is pointless and the reason must be recorded.

export type FailureKind = 'transient' | 'permanent';

export class SalesmanagoError extends Error {
  kind: FailureKind;
  /** SALESmanago's own messages (its `message` array), or our description of the failure. */
  messages: string[];
  status?: number;
  /** From a Retry-After header, in seconds. */
  retryAfterS?: number;
  /** The API path called, e.g. /api/contact/upsert. */
  path?: string;
  /**
   * True when SALESmanago may have stored the request although we got no success answer: a timeout,
   * a connection lost after sending, a 5xx or an unreadable reply. A retry of such a call may
   * duplicate what it sends (events, a double opt-in mail). False: it was certainly not processed
   * (refused before or by SALESmanago: 4xx, 429, success:false, a redirect).
   */
  maybeStored: boolean;

  constructor(kind: FailureKind, messages: string[], details: { status?: number; retryAfterS?: number; path?: string; maybeStored?: boolean } = {}) {
    const where = details.path ? `SALESmanago ${details.path}` : 'SALESmanago';
    const status = details.status !== undefined ? ` (HTTP ${details.status})` : '';
    super(`${where}${status}: ${messages.join('; ') || 'request failed'}`);
    this.name = 'SalesmanagoError';
    this.kind = kind;
    this.messages = messages;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterS !== undefined) this.retryAfterS = details.retryAfterS;
    if (details.path !== undefined) this.path = details.path;
    this.maybeStored = details.maybeStored ?? false;
  }
}

// A success:false answer whose words say the server is overloaded is worth retrying; everything
// else (authentication, validation, unknown contact...) will fail the same way again.
const BUSY = /\b(busy|overload(ed)?|temporar(il)?y|unavailable|try again|too many requests|timed? ?out|maintenance)\b/i;

export function kindOfRejection(messages: string[]): FailureKind {
  return messages.some((m) => BUSY.test(m)) ? 'transient' : 'permanent';
}

/** Transient for 408, 429 and 5xx; permanent for any other 4xx. Null when the status is not an error. */
export function kindOfStatus(status: number): FailureKind | null {
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  if (status >= 400) return 'permanent';
  return null;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Removes the API secret and the request's sha from text that may end up in a log or the ledger. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out;
}
