// Sending contract A. Events wait in `queue` until the next tick (index.ts, every 500 ms), then go
// in one POST as text/plain (a "simple" request, no CORS preflight) with fetch keepalive so they
// survive a navigation. Keepalive bodies must stay under 64 KiB in flight per page, so a request is
// keepalive only while no other is in flight and its body has under 20,000 UTF-16 units (at most
// 60,000 bytes of UTF-8). When the page is hidden or left, what is pending goes with sendBeacon.
import { cartPath, collector } from './config';
import { can, refused } from './consent';
import { log, safe } from './env';
import type { Ev } from './events';
import { cookie, keepVisitor, setCookie, SMCLIENT, visitor } from './identity';
import { keep, take } from './outbox';

export const queue: Ev[] = [];
/** Requests in flight. */
export let inflight = 0;

/** Sends what is pending and what is due in the outbox (all of it when forced); `beacon` when leaving. */
export const flush = safe((beacon?: unknown, force?: unknown) => {
  if (can()) {
    // Storing is allowed from here on (consent.ts): the visitor id is kept for the next pages.
    keepVisitor();
    const all = [...take(force), ...queue.splice(0)];
    // Contract A takes at most 50 events; 20 keeps a batch well under the 32 KB body limit.
    while (all[0]) send(all.splice(0, 20), beacon);
  }
});

/** Queues an event, unless consent was refused. */
export const push = (e: Ev) => refused() || queue.push(e);

const send = (events: Ev[], beacon: unknown) => {
  const body = JSON.stringify({ v: 2, u: visitor(), c: cookie(SMCLIENT), p: cartPath, e: events });
  if (beacon) return navigator.sendBeacon?.(collector, body) || keep(events);
  fetch(collector, { method: 'POST', body, keepalive: !inflight++ && body.length < 2e4 })
    .then(
      // Other 4xx: the collector refused these events, and sending them again would not help.
      // The collector answers only contactIds it checked to be id-shaped: safe in a cookie.
      (r): unknown =>
        /^5|429/.test(r.status as any) ? keep(events) : r.json().then((j) => (log(j), j.contactId && can() && setCookie(SMCLIENT, j.contactId))),
      () => keep(events),
    )
    .finally(() => inflight--)
    .catch(log);
};
