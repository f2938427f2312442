// Reads off the writer (ARCHITECTURE.md "Reads and their consistency"), in workerd, against a D1 double
// whose read replica lags (worker/test/replica.ts): which reads reach the replica, which must not, the
// bookmark that carries a /setup write to the next page, and the D1 statements a beacon costs the primary.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../env.ts';
import { callbackKey } from '../consent/callback-key.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import { itemsOf, type QueueMessage } from '../queue/messages.ts';
import { laggingD1, PRIMARY_BOOKMARK, REPLICA_BOOKMARK, replicaSchema, type LaggingD1 } from '../test/replica.ts';
import { BOOKMARK_COOKIE } from './reads.ts';

const env: Env = workerEnv;
const SHOP = 'http://localhost:8788';
const ORIGIN = 'http://sm-edge.test';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';
const admin = { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` };

let d1: LaggingD1;
let bindings: Env;
let queued: () => QueueMessage[];
beforeAll(() => replicaSchema());
beforeEach(() => {
  d1 = laggingD1();
  bindings = { ...env, LEDGER: d1.db };
  const spy = vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockImplementation(async () => undefined as never);
  queued = () => spy.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body));
});

async function request(url: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await app.request(url, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const visitorId = () => `v${crypto.randomUUID().replace(/-/g, '')}`.slice(0, 32);
const address = (local: string) => `${local}-${crypto.randomUUID().slice(0, 8)}@example.com`;

function beacon(visitor: string, extra: Record<string, unknown> = {}, events: Record<string, unknown>[] = []) {
  const visit = { i: `ev${crypto.randomUUID().slice(0, 12)}`, k: 'visit', t: Date.now(), u: `${SHOP}/p/1`, h: 'Page' };
  const body = { v: 2, u: visitor, e: [visit, ...events], ...extra };
  return request('/e', {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: SHOP, 'User-Agent': BROWSER_UA },
    body: JSON.stringify(body),
  });
}

const LINK = 'INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at) VALUES (?, NULL, ?, 0, ?)';

describe('POST /e: the smclient lookup reads off the writer', () => {
  it('asks a replica, not the primary: one replica statement and none on the primary per beacon without the cookie', async () => {
    await beacon(visitorId()); // the settings snapshot is read once per isolate, not per beacon
    const visitor = visitorId();
    await env.LEDGER.prepare(LINK).bind(visitor, 'contact-71', Date.now()).run();
    d1.reset();

    // The link is on the primary only: the lagging replica does not know it yet, so no contactId.
    const lagging = await beacon(visitor);
    expect(lagging.status).toBe(202);
    expect(JSON.parse(lagging.text)).toEqual({ accepted: 1, rejected: [] });
    expect(d1.counts).toEqual({ primary: 0, replica: 1 });
    expect(d1.sessions).toEqual(['first-unconstrained']);

    // Once replicated it is answered.
    await workerEnv.LEDGER_REPLICA.prepare(LINK).bind(visitor, 'contact-71', Date.now()).run();
    expect(JSON.parse((await beacon(visitor)).text)).toEqual({ accepted: 1, rejected: [], contactId: 'contact-71' });
    expect(d1.counts).toEqual({ primary: 0, replica: 2 });
  });

  it('makes no D1 statement at all for a beacon that carries the cookie', async () => {
    await beacon(visitorId());
    d1.reset();
    expect((await beacon(visitorId(), { c: 'contact-72' })).status).toBe(202);
    expect(d1.counts).toEqual({ primary: 0, replica: 0 });
  });
});

describe('a consent read right after a callback sees it', () => {
  async function signedGet(path: string) {
    const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'GET', path, '');
    const res = await request(path, { headers: { 'Sm-Edge-Signature': header } });
    return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
  }

  it("in the consents API (one address and the changes list), on /setup/contact and for a beacon's signup", async () => {
    const email = address('cb');
    const key = await callbackKey(email, env.CALLBACK_SECRET!);
    expect((await request(`/callbacks/opt-out?email=${email}&key=${key}`)).status).toBe(200);

    // Nothing of it reached the replica: a read served there would miss it.
    expect(await signedGet(`/api/v1/consents/${email}`)).toMatchObject({ status: 200, body: { email, status: 'opt-out' } });
    const changes = await signedGet('/api/v1/consents?limit=1000');
    expect(changes.status).toBe(200);
    expect(changes.body.items).toContainEqual(expect.objectContaining({ email, status: 'opt-out' }));

    const page = await request(`${ORIGIN}/setup/contact?lang=en&email=${encodeURIComponent(email)}`, { headers: admin });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/id="consent-status">.*?opt-out/s);

    // The collector marks a browser signup of that address as a known opt-out before it queues it.
    const signup = { i: `ev${crypto.randomUUID().slice(0, 12)}`, k: 'newsletter', t: Date.now(), email };
    expect((await beacon(visitorId(), {}, [signup])).status).toBe(202);
    const events = queued()
      .flatMap(itemsOf)
      .flatMap((i) => (i.kind === 'event' && i.event.email === email ? [i.event] : []));
    expect(events).toEqual([expect.objectContaining({ type: 'newsletter', knownOptOut: true })]);
  });
});

describe('/setup: the reports read through one session per request', () => {
  const setupGet = (path: string, cookie?: string) => request(`${ORIGIN}${path}`, { headers: { ...admin, ...(cookie ? { Cookie: cookie } : {}) } });
  const bookmarkOf = (headers: Headers) => /sm-edge-d1-bookmark=([^;]+)/.exec(headers.get('Set-Cookie') ?? '')?.[1];

  it("a page without a bookmark reads a replica, and hands back the replica's bookmark", async () => {
    const page = await setupGet('/setup/events?lang=en');
    expect(page.status).toBe(200);
    expect(d1.sessions).toEqual(['first-unconstrained']);
    expect(d1.counts.replica).toBeGreaterThanOrEqual(3);
    expect(bookmarkOf(page.headers)).toBe(REPLICA_BOOKMARK);
    expect(page.headers.get('Set-Cookie')).toMatch(/Path=\/setup; HttpOnly; SameSite=Strict/);
  });

  it('an erasure is listed at once on its own page and on the next one (the bookmark), not by a lagging replica', async () => {
    const email = address('erase');
    const erased = await request(`${ORIGIN}/setup/contact/erase?lang=en`, {
      method: 'POST',
      headers: { ...admin, Origin: ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, confirm: 'yes' }).toString(),
    });
    expect(erased.status).toBe(200);
    const id = /(erasure-[0-9a-f-]{36})/.exec(erased.text)?.[1];
    expect(id).toBeDefined();
    const listed = new RegExp(`<td><code>${id}</code></td>`);
    // The POST wrote on the primary, and its page read from there.
    expect(d1.sessions).toEqual(['first-primary']);
    expect(erased.text).toMatch(listed);
    const bookmark = bookmarkOf(erased.headers);
    expect(bookmark).toBe(PRIMARY_BOOKMARK);

    // The next page carries the bookmark: it sees the erasure. Without it, a lagging replica does not.
    expect((await setupGet('/setup/contact?lang=en', `${BOOKMARK_COOKIE}=${bookmark}`)).text).toMatch(listed);
    expect((await setupGet('/setup/contact?lang=en')).text).not.toMatch(listed);
    expect(d1.sessions.slice(1)).toEqual([PRIMARY_BOOKMARK, 'first-unconstrained']);
  });

  it('passes D1 only a bookmark-shaped cookie', async () => {
    expect((await setupGet('/setup/events?lang=en', `${BOOKMARK_COOKIE}=first-primary`)).status).toBe(200);
    expect((await setupGet('/setup/events?lang=en', `${BOOKMARK_COOKIE}=%27%3B--`)).status).toBe(200);
    expect(d1.sessions).toEqual(['first-unconstrained', 'first-unconstrained']);
  });
});
