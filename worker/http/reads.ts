// The D1 session a page's reports read through (ARCHITECTURE.md "Reads and their consistency"), as hono
// middleware: `c.var.reads`. A GET continues from the bookmark of the last page this browser saw, so a page
// never shows an older state than the one before it (an erasure or a text saved a moment ago included),
// and may otherwise be served by a read replica. Any other method may have written through the primary
// before it reads, so its session starts at the primary. The session's bookmark goes back in a cookie:
// it names a point in the database's history, nothing about anyone.
// Every ledger database has a session of its own (ledger/databases.ts; `c.var.ledgerReads`, LEDGER's
// first, which is also `c.var.reads`), and the cookie holds their bookmarks in that order, joined by
// BOOKMARK_SEPARATOR: one database, one bookmark, as before the split. Each is checked on its own
// (ledger/sessions.ts readsFrom); a missing or malformed one starts its database's session anywhere.
import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { ledgerDatabases } from '../ledger/databases.ts';
import { readsAfterWrites, readsFrom } from '../ledger/sessions.ts';

export const BOOKMARK_COOKIE = 'sm-edge-d1-bookmark';
/** Long enough for a visit to the pages; a later visit may start on a replica again. */
const BOOKMARK_MAX_AGE_S = 3600;

/** Between the databases' bookmarks in the cookie (a bookmark is hex digits and dashes). */
export const BOOKMARK_SEPARATOR = '.';

/** `reads`: LEDGER's session; `ledgerReads`: one session per ledger database, LEDGER's (`reads`) first. */
export type ReadsVariables = { reads: D1DatabaseSession; ledgerReads: D1DatabaseSession[] };

export function pageReads(path: string) {
  return createMiddleware<{ Bindings: Env; Variables: ReadsVariables & { config: Config } }>(async (c, next) => {
    const databases = ledgerDatabases(c.env, c.var.config.ledgerDatabases);
    const continues = c.req.method === 'GET' || c.req.method === 'HEAD';
    const bookmarks = continues ? (getCookie(c, BOOKMARK_COOKIE) ?? '').split(BOOKMARK_SEPARATOR) : [];
    const sessions = databases.map((db, i) => (continues ? readsFrom(db, bookmarks[i]) : readsAfterWrites(db)));
    c.set('reads', sessions[0]!);
    c.set('ledgerReads', sessions);
    await next();
    const after = sessions.map((session) => session.getBookmark() ?? '');
    if (after.every((bookmark) => !bookmark)) return;
    setCookie(c, BOOKMARK_COOKIE, after.join(BOOKMARK_SEPARATOR), {
      path,
      httpOnly: true,
      sameSite: 'Strict',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: BOOKMARK_MAX_AGE_S,
    });
  });
}
