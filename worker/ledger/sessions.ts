// Reads off the writer (ARCHITECTURE.md "Reads and their consistency"). D1 has one primary, which every
// write needs; with read replication on (docs/operations.md "D1 read replication") a query made through a
// Sessions API session may be served by a read replica instead, and every query made without one still
// goes to the primary. So a read that may lag the writes goes through a session, and a read that must see
// a write stays on the database itself (or on a session that starts at the primary, or at a bookmark
// taken after the write). Sessions hold no SQL: the statements stay in each table's module, which takes a
// `D1Reader` where it only reads.

/** What a read needs of D1: the database itself or one of its sessions. */
export type D1Reader = Pick<D1Database, 'prepare' | 'batch'>;

/**
 * Reads that may lag the primary: the first query goes to whichever instance is nearest, and later ones
 * in the same session never see an older state than an earlier one did.
 */
export function laggingReads(db: D1Database): D1DatabaseSession {
  return db.withSession('first-unconstrained');
}

/** Reads that must see every write completed before their first query (that query goes to the primary). */
export function readsAfterWrites(db: D1Database): D1DatabaseSession {
  return db.withSession('first-primary');
}

/** A D1 bookmark as D1 writes them (`getBookmark()`): four hex groups. Anything else is not passed to D1. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

function isBookmark(value: string | null | undefined): value is string {
  return typeof value === 'string' && BOOKMARK.test(value);
}

/**
 * Reads that continue from an earlier request's bookmark (its writes and its reads are visible to them),
 * or that may lag when there is none or it is not a bookmark.
 */
export function readsFrom(db: D1Database, bookmark: string | null | undefined): D1DatabaseSession {
  return db.withSession(isBookmark(bookmark) ? bookmark : 'first-unconstrained');
}
