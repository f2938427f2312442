// The consent changes log that the shop polls (GET /api/v1/consents?since=...).
//
// Each change is one KV key `change:<13-digit ms>:<16 hex>` (the time it was recorded, plus a random
// part so that two changes in the same millisecond never collide), expiring after 90 days. The change
// itself rides in the key's metadata, so listing needs no extra reads.
//
// Cursor: the id (key without "change:") of the last change the shop has seen, or a bare 13-digit
// time meaning "everything recorded before this time has been seen". KV list has no "start after",
// only prefixes, so listing after a cursor walks decimal prefixes of the time: first the cursor's own
// 100-second bucket (skipping what was already seen), then the following sibling buckets, coarser and
// coarser, in ascending order. A shop that polls regularly costs one or two list calls per poll.
//
// KV list is eventually consistent across locations (up to ~60 s), so a change recorded elsewhere
// could otherwise appear behind a cursor the shop has already passed. The feed therefore only shows
// changes older than FEED_SETTLE_MS; a fresh change is readable at once through GET
// /api/v1/consents/<email> and the optional shop webhook.

export const CHANGE_PREFIX = 'change:';
export const CHANGE_TTL_S = 90 * 24 * 3600;
export const FEED_SETTLE_MS = 60_000;
const MS_DIGITS = 13;
/** Digits of the time that name the first bucket searched: 10^(13-8) ms = 100 s. */
const FINE_DIGITS = 8;
const CURSOR = /^\d{13}(:[0-9a-f]{16})?$/;

export type ConsentStatus = 'opt-in' | 'opt-out';

export interface ConsentChange {
  email: string;
  status: ConsentStatus;
  changedAt: number;
  source: string;
}

export interface LoggedChange extends ConsentChange {
  id: string;
}

function timeDigits(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(MS_DIGITS, '0');
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function isCursor(value: string): boolean {
  return CURSOR.test(value);
}

/** Appends a change to the log; returns its id. `now` is the time it is recorded (the key's order). */
export async function appendChange(kv: KVNamespace, change: ConsentChange, now: number): Promise<string> {
  const id = `${timeDigits(now)}:${randomHex()}`;
  await kv.put(CHANGE_PREFIX + id, '', { expirationTtl: CHANGE_TTL_S, metadata: change });
  return id;
}

/** Prefixes (after "change:") covering every id greater than `after`, in ascending order, up to `horizon`. */
function* prefixesAfter(after: string, horizon: number): Generator<string> {
  if (after === '') {
    yield '';
    return;
  }
  yield after.slice(0, FINE_DIGITS);
  for (let i = FINE_DIGITS - 1; i >= 0; i--) {
    for (let d = Number(after[i]) + 1; d <= 9; d++) {
      const prefix = after.slice(0, i) + String(d);
      // Prefixes come in ascending order: once one starts after the horizon, all the rest do.
      if (Number(prefix.padEnd(MS_DIGITS, '0')) >= horizon) return;
      yield prefix;
    }
  }
}

export interface ChangesPage {
  items: LoggedChange[];
  /** Pass back as `since` to get what follows. */
  next: string;
}

/**
 * Changes recorded after the cursor `since` (all when empty), oldest first, at most `limit`, and only
 * those older than now - settleMs.
 */
export async function listChanges(
  kv: KVNamespace,
  options: { since?: string; limit: number; now: number; settleMs?: number },
): Promise<ChangesPage> {
  const after = options.since ?? '';
  const horizon = options.now - (options.settleMs ?? FEED_SETTLE_MS);
  const settled = timeDigits(horizon);
  const items: LoggedChange[] = [];

  walk: for (const prefix of prefixesAfter(after, horizon)) {
    let cursor: string | undefined;
    do {
      const page = await kv.list<ConsentChange>({
        prefix: CHANGE_PREFIX + prefix,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      for (const key of page.keys) {
        const id = key.name.slice(CHANGE_PREFIX.length);
        if (id <= after) continue;
        if (id >= settled) break walk;
        if (!key.metadata) continue;
        items.push({ id, ...key.metadata });
        if (items.length >= options.limit) return { items, next: id };
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  }
  // Everything settled has been listed: the next poll may start from the horizon.
  const last = items.at(-1)?.id ?? after;
  return { items, next: last > settled ? last : settled };
}
