// The D1 session a page's reports read through (ARCHITECTURE.md "Reads and their consistency"), as hono
// middleware: `c.var.reads`. A GET continues from the bookmark of the last page this browser saw, so a page
// never shows an older state than the one before it (an erasure or a text saved a moment ago included),
// and may otherwise be served by a read replica. Any other method may have written through the primary
// before it reads, so its session starts at the primary. The session's bookmark goes back in a cookie:
// it names a point in the database's history, nothing about anyone.
import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Env } from '../env.ts';
import { readsAfterWrites, readsFrom } from '../ledger/sessions.ts';

export const BOOKMARK_COOKIE = 'sm-edge-d1-bookmark';
/** Long enough for a visit to the pages; a later visit may start on a replica again. */
const BOOKMARK_MAX_AGE_S = 3600;

export type ReadsVariables = { reads: D1DatabaseSession };

export function pageReads(path: string) {
  return createMiddleware<{ Bindings: Env; Variables: ReadsVariables }>(async (c, next) => {
    const reads = c.req.method === 'GET' || c.req.method === 'HEAD' ? readsFrom(c.env.LEDGER, getCookie(c, BOOKMARK_COOKIE)) : readsAfterWrites(c.env.LEDGER);
    c.set('reads', reads);
    await next();
    const bookmark = reads.getBookmark();
    if (!bookmark) return;
    setCookie(c, BOOKMARK_COOKIE, bookmark, {
      path,
      httpOnly: true,
      sameSite: 'Strict',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: BOOKMARK_MAX_AGE_S,
    });
  });
}
