// Suppression marks of erased persons: a keyed hash (HMAC-SHA256) of the e-mail, each contact id and
// each visitor id, so that nothing readable of the person stays, yet a stale beacon, a late callback,
// a queued event or a re-run import naming them is recognised and refused ("erased"). An unkeyed hash
// of an e-mail is still personal data (anyone can hash a guessed address), hence the key: derived with
// HKDF from SHOP_API_SECRET, for this one use, so the shop's signing key itself never hashes marks.
// Rotating SHOP_API_SECRET makes the old marks unrecognisable (docs/privacy.md says so).
import { toHex } from '../identity/hmac.ts';
import { addMarks, anyMarks, markedAmong } from '../ledger/erasure.ts';
import type { StoredReason } from '../ledger/reason-kinds.ts';
import { itemId, type ItemMessage } from '../queue/messages.ts';

/**
 * The reason an erased person's delivery rows carry: of kind 'refused' (replay leaves them), written by
 * consent/erasure.ts and the consumer.
 */
export const ERASED_REASON: StoredReason = { text: 'refused: erased', kind: 'refused' };

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function markKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('sm-edge'), info: encoder.encode('erasure suppression mark v1') },
        base,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign'],
      );
    })();
    keys.set(secret, key);
  }
  return key;
}

export type MarkKind = 'email' | 'contact' | 'visitor';

/** The mark of one identifier. E-mails are trimmed and lower-cased first. */
export async function markOf(secret: string, kind: MarkKind, value: string): Promise<string> {
  const normal = kind === 'email' ? value.trim().toLowerCase() : value;
  const mac = await crypto.subtle.sign('HMAC', await markKey(secret), encoder.encode(`${kind}:${normal}`));
  return toHex(new Uint8Array(mac));
}

export async function suppress(db: D1Database, secret: string, ids: { kind: MarkKind; value: string }[], now: number): Promise<void> {
  const hashes = await Promise.all(ids.map((i) => markOf(secret, i.kind, i.value)));
  await addMarks(db, hashes, now);
  noMarksUntil = 0;
}

// Request paths ask "was anyone ever erased?" at most once a minute per isolate (the answer "no" is
// cached; an erasure in this isolate clears it). The consumer asks on every batch (`fresh`) and is
// the gate that counts: an item of an erased person that slips through a stale "no" is refused there,
// and what the request path wrote for it (consent entry, proof) is removed there (delivery/consumer.ts).
let noMarksUntil = 0;
const NO_MARKS_CACHE_MS = 60_000;

async function marksExist(db: D1Database, options: { fresh?: boolean; anyMarks?: boolean }): Promise<boolean> {
  const now = Date.now();
  if (options.anyMarks === undefined && !options.fresh && now < noMarksUntil) return false;
  // `anyMarks`: the consumer read it with its batch's first reads (delivery/consumer.ts).
  const any = options.anyMarks ?? (await anyMarks(db));
  noMarksUntil = any ? 0 : now + NO_MARKS_CACHE_MS;
  return any;
}

/**
 * Which of the identifiers are erased: answers the indexes of `ids` that carry a mark. One cheap
 * query when nobody was ever erased (no hashing then).
 */
export async function erasedAmong(
  db: D1Database,
  secret: string,
  ids: readonly { kind: MarkKind; value: string }[],
  options: { fresh?: boolean; anyMarks?: boolean } = {},
): Promise<Set<number>> {
  if (ids.length === 0 || !(await marksExist(db, options))) return new Set();
  const hashes = await Promise.all(ids.map((i) => markOf(secret, i.kind, i.value)));
  const marked = await markedAmong(db, [...new Set(hashes)]);
  return new Set(hashes.flatMap((h, i) => (marked.has(h) ? [i] : [])));
}

export async function isErased(db: D1Database, secret: string, email: string): Promise<boolean> {
  return (await erasedAmong(db, secret, [{ kind: 'email', value: email }], { fresh: true })).size > 0;
}

/** The identifiers an item names: its e-mail(s), contact id and visitor id. */
function identifiersOf(item: ItemMessage): { kind: MarkKind; value: string }[] {
  const out: { kind: MarkKind; value: string }[] = [];
  const add = (kind: MarkKind, value: string | undefined) => {
    if (value) out.push({ kind, value });
  };
  if (item.kind === 'event') {
    add('email', item.event.email);
    add('contact', item.event.contactId);
    add('visitor', item.event.visitorId);
  } else if (item.kind === 'contact') {
    add('email', item.contact.email);
    add('email', item.contact.previousEmail);
  } else {
    add('email', item.change.email);
  }
  return out;
}

/**
 * The ids of the items that name an erased person (refused with reason "erased" by the consumer).
 * `marked`: whether any mark exists, read just now (anyMarksStep).
 */
export async function erasedItems(db: D1Database, secret: string | null, items: readonly ItemMessage[], marked: boolean): Promise<Set<string>> {
  if (!secret || items.length === 0) return new Set();
  const ids: { kind: MarkKind; value: string }[] = [];
  const owner: string[] = [];
  for (const item of items) {
    for (const id of identifiersOf(item)) {
      ids.push(id);
      owner.push(itemId(item));
    }
  }
  const hit = await erasedAmong(db, secret, ids, { anyMarks: marked });
  return new Set([...hit].map((i) => owner[i]!));
}

/**
 * The ledger id a refused item of an erased person is recorded under: its own, unless the id holds the
 * visitor id (a beacon event's does); then "erased:" and a digest of it, the same for a redelivery.
 */
export async function erasedRowId(id: string, visitorId: string | null | undefined): Promise<string> {
  if (!visitorId || !id.includes(visitorId)) return id;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(id)));
  return `erased:${toHex(digest).slice(0, 32)}`;
}
