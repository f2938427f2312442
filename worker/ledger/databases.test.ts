// The readers that look across contacts, with two ledger databases (ledger/databases.ts,
// worker/test/ledgers.ts): the hourly job, retention, replay, the release after a save, an erasure and
// the access export, the setup pages and the beacon's smclient lookup each cover LEDGER and LEDGER_1.
// Rows are written with plain SQL into the database their routing key names; LEDGER is shared with
// other files, so every check names only the rows this file made.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportContact } from '../consent/access.ts';
import { eraseContact } from '../consent/erasure.ts';
import { DAY_MS, pruneRetained } from '../delivery/retention.ts';
import { replay } from '../delivery/replay.ts';
import { cleanUp } from '../delivery/scheduled.ts';
import type { Env } from '../env.ts';
import { BOOKMARK_COOKIE, BOOKMARK_SEPARATOR } from '../http/reads.ts';
import { app } from '../index.ts';
import { itemsOf, type AcceptedEvent, type QueueMessage } from '../queue/messages.ts';
import { releaseWaitingEvents } from '../settings/release.ts';
import { deliveryFigures } from '../setup/figures.ts';
import { browserEvent, orderEvent, uid } from '../test/delivery-fixtures.ts';
import { emailIn, ledgerOfVisitor, twoLedgers, visitorIn } from '../test/ledgers.ts';
import { everyTextValue } from './erasure.ts';

const base: Env = workerEnv;
const L0 = base.LEDGER;
const L1 = (base as unknown as { LEDGER_1: D1Database }).LEDGER_1;
const db = (index: number) => (index === 0 ? L0 : L1);
const ORIGIN = 'http://sm-edge.test';
const SHOP = 'http://localhost:8788';
const admin = { Authorization: `Basic ${btoa(`m:${base.ADMIN_PASSWORD}`)}` };

/** A queue that keeps what is sent to it (nothing reaches a consumer). */
function keepingQueue() {
  const sent: QueueMessage[] = [];
  const queue = {
    send: async (body: QueueMessage) => void sent.push(body),
    sendBatch: async (batch: Iterable<{ body: QueueMessage }>) => {
      for (const m of batch) sent.push(m.body);
    },
  } as unknown as Queue<QueueMessage>;
  return { queue, ids: () => sent.flatMap((m) => itemsOf(m).map((i) => (i.kind === 'event' ? i.event.id : i.kind === 'contact' ? i.contact.id : ''))) };
}

/** The env of a deployment with two ledger databases, its sends kept. */
function twoLedgerEnv() {
  const kept = keepingQueue();
  return { env: { ...twoLedgers(base), EVENTS: kept.queue } as Env, sent: kept.ids };
}

interface RowOptions {
  status?: string;
  at?: number;
  updatedAt?: number;
  nextAttemptAt?: number | null;
  reasonKind?: string | null;
  error?: string | null;
  contact?: string | null;
}

/** A delivery row of the event, as the consumer keeps it, in database `index`. */
async function putRow(index: number, event: AcceptedEvent, o: RowOptions = {}): Promise<string> {
  const at = o.at ?? Date.now();
  await db(index)
    .prepare(
      `INSERT INTO deliveries (id, type, source, contact, visitor_id, status, attempts, last_error, reason_kind, accepted_at, updated_at, next_attempt_at, payload)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12)`,
    )
    .bind(
      event.id,
      event.type,
      event.source,
      o.contact !== undefined ? o.contact : (event.email ?? event.contactId ?? null),
      event.visitorId ?? null,
      o.status ?? 'queued',
      o.error ?? null,
      o.reasonKind ?? null,
      at,
      o.updatedAt ?? at,
      o.nextAttemptAt ?? null,
      JSON.stringify({ kind: 'event', event }),
    )
    .run();
  return event.id;
}

async function link(index: number, visitor: string, email: string | null, contactId: string | null, at = Date.now()): Promise<void> {
  await db(index)
    .prepare('INSERT INTO visitor_links (visitor_id, email, contact_id, verified, updated_at) VALUES (?1, ?2, ?3, 0, ?4)')
    .bind(visitor, email, contactId, at)
    .run();
}

async function knownContact(index: number, email: string, contactId: string, at = Date.now()): Promise<void> {
  await db(index).prepare('INSERT INTO known_contacts (email, contact_id, updated_at) VALUES (?1, ?2, ?3)').bind(email, contactId, at).run();
}

async function statusOf(index: number, id: string) {
  return db(index)
    .prepare('SELECT status, reason_kind AS kind, next_attempt_at AS due FROM deliveries WHERE id = ?')
    .bind(id)
    .first<{ status: string; kind: string | null; due: number | null }>();
}

const countWhere = async (index: number, sql: string, value: string) =>
  (await db(index).prepare(`SELECT COUNT(*) AS n FROM ${sql}`).bind(value).first<{ n: number }>())?.n ?? 0;

/** A visitor id the beacon schema takes, in database `index`. */
function beaconVisitorIn(index: number): string {
  for (;;) {
    const id = `v${crypto.randomUUID().replace(/-/g, '')}`.slice(0, 32);
    if (ledgerOfVisitor(id) === index) return id;
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the hourly job over every ledger database', () => {
  it('releases identified held events, expires old held ones, forgets old carts and signatures in LEDGER and LEDGER_1', async () => {
    const { env, sent } = twoLedgerEnv();
    const now = Date.now();
    const held: string[][] = [[], []];
    const old: string[][] = [[], []];
    for (const index of [0, 1]) {
      const visitor = visitorIn(index);
      await link(index, visitor, emailIn(index), null, now);
      held[index]!.push(await putRow(index, browserEvent('visit', { visitorId: visitor }), { status: 'held', at: now - 60_000 }));
      const anonymous = visitorIn(index);
      old[index]!.push(await putRow(index, browserEvent('visit', { visitorId: anonymous }), { status: 'held', at: now - 31 * DAY_MS }));
      await db(index)
        .prepare('INSERT INTO open_carts (contact_key, event_id, opened_at, updated_at) VALUES (?1, ?2, ?3, ?3)')
        .bind(`email:${emailIn(index)}`, uid('cart'), now - 13 * 3600_000)
        .run();
      await db(index)
        .prepare('INSERT INTO seen_signatures (signature, expires_at) VALUES (?1, ?2)')
        .bind(uid(`sig${index}`), now - 1000)
        .run();
    }

    const done = await cleanUp(env, now, 2);

    for (const index of [0, 1]) {
      expect(await statusOf(index, held[index]![0]!), `held row in database ${index}`).toMatchObject({ status: 'queued' });
      expect(sent()).toContain(held[index]![0]);
      expect(await statusOf(index, old[index]![0]!), `old held row in database ${index}`).toMatchObject({ status: 'expired' });
      expect(
        (
          await db(index)
            .prepare('SELECT COUNT(*) AS n FROM open_carts WHERE opened_at <= ?')
            .bind(now - 12 * 3600_000)
            .first<{ n: number }>()
        )?.n,
      ).toBe(0);
      expect((await db(index).prepare('SELECT COUNT(*) AS n FROM seen_signatures WHERE expires_at < ?').bind(now).first<{ n: number }>())?.n).toBe(0);
    }
    expect(done.released).toBeGreaterThanOrEqual(2);
    expect(done.expiredHeld).toBeGreaterThanOrEqual(2);
    expect(done.prunedCarts).toBeGreaterThanOrEqual(2);
    expect(done.signatures).toBeGreaterThanOrEqual(2);
  });
});

describe('retention over every ledger database', () => {
  it('prunes the per-contact tables of LEDGER and LEDGER_1', async () => {
    const now = Date.now();
    const long = now - 40 * DAY_MS;
    const rows: string[] = [];
    const visitors: string[] = [];
    const emails: string[] = [];
    for (const index of [0, 1]) {
      const visitor = visitorIn(index);
      visitors.push(visitor);
      rows.push(await putRow(index, browserEvent('visit', { visitorId: visitor }), { status: 'delivered', at: long }));
      await link(index, visitor, null, uid('c'), long);
      const address = emailIn(index);
      emails.push(address);
      await knownContact(index, address, uid('c'), long);
    }

    const pruned = await pruneRetained(twoLedgers(base), now, { delivered: 30, held: 30, links: 30, counters: 400, consentProof: 1095 }, 2);

    for (const index of [0, 1]) {
      expect(await statusOf(index, rows[index]!), `row in database ${index}`).toBeNull();
      expect(await countWhere(index, 'visitor_links WHERE visitor_id = ?', visitors[index]!)).toBe(0);
      expect(await countWhere(index, 'known_contacts WHERE email = ?', emails[index]!)).toBe(0);
    }
    expect(pruned.deliveries).toBeGreaterThanOrEqual(2);
    expect(pruned.visitorLinks).toBeGreaterThanOrEqual(2);
    expect(pruned.knownContacts).toBeGreaterThanOrEqual(2);
  });
});

describe('replay over every ledger database', () => {
  it('sends again a queued row that lost its message in LEDGER_1 and in LEDGER, and counts both', async () => {
    const { env, sent } = twoLedgerEnv();
    const now = Date.now();
    const lost = [
      await putRow(0, orderEvent('purchase', { email: emailIn(0) }), { at: now - 3600_000, nextAttemptAt: now - 3600_000 }),
      await putRow(1, orderEvent('purchase', { email: emailIn(1) }), { at: now - 3600_000, nextAttemptAt: now - 3600_000 }),
    ];

    const result = await replay(env, { statuses: ['queued'], now, overdueMs: 15 * 60_000, ledgers: 2 });

    expect(sent()).toEqual(expect.arrayContaining(lost));
    expect(result.requeued).toBeGreaterThanOrEqual(2);
    expect(result.byStatus.queued).toBe(result.requeued);
    for (const index of [0, 1]) expect((await statusOf(index, lost[index]!))?.due).toBeGreaterThanOrEqual(now);
  });

  it('counts what is left over both databases, the limit holding for the whole call', async () => {
    const { env, sent } = twoLedgerEnv();
    const now = Date.now();
    const due = now - 2 * 3600_000;
    for (const index of [1, 1, 1]) await putRow(index, orderEvent('purchase', { email: emailIn(index) }), { at: due, nextAttemptAt: due });
    const result = await replay(env, { statuses: ['queued'], now, overdueMs: 15 * 60_000, ledgers: 2, limit: 1 });
    expect(sent()).toHaveLength(1);
    expect(result.requeued).toBe(1);
    // At least the other two of LEDGER_1 are left for another call.
    expect(result.remaining).toBeGreaterThanOrEqual(2);
  });
});

describe('the release after a save, over every ledger database', () => {
  it('sends the unconfigured rows of LEDGER and LEDGER_1 and clears their reason', async () => {
    const { env, sent } = twoLedgerEnv();
    const waiting = [
      await putRow(0, orderEvent('purchase', { email: emailIn(0) }), { reasonKind: 'unconfigured', error: 'SALESmanago is not configured' }),
      await putRow(1, orderEvent('purchase', { email: emailIn(1) }), { reasonKind: 'unconfigured', error: 'SALESmanago is not configured' }),
    ];
    expect(await releaseWaitingEvents(env, 2)).toBeGreaterThanOrEqual(2);
    expect(sent()).toEqual(expect.arrayContaining(waiting));
    for (const index of [0, 1]) expect((await statusOf(index, waiting[index]!))?.kind).toBeNull();
  });
});

describe('erasure and access over every ledger database', () => {
  it('finds the person in both databases, lists everything in the export, then erases it everywhere', async () => {
    const { env } = twoLedgerEnv();
    const now = Date.now();
    // The e-mail's rows (its orders, its known contact id) are in LEDGER_1.
    const person = emailIn(1);
    const contactId = uid('cid').slice(0, 30);
    await knownContact(1, person, contactId, now);
    const order = await putRow(1, orderEvent('purchase', { email: person }), { status: 'delivered', at: now - 5000 });
    // A visitor linked to the e-mail in LEDGER_1 only, and one in LEDGER.
    const inOne = visitorIn(1);
    await link(1, inOne, person, null, now);
    const visitOne = await putRow(1, browserEvent('visit', { visitorId: inOne }), { status: 'delivered', at: now - 4000 });
    const inZero = visitorIn(0);
    await link(0, inZero, person, null, now);
    const visitZero = await putRow(0, browserEvent('visit', { visitorId: inZero }), { status: 'delivered', at: now - 3000 });
    // A visitor of LEDGER known only by the contact id (smclient), whose e-mail link is in LEDGER_1.
    const bySmclient = visitorIn(0);
    await link(0, bySmclient, null, contactId, now);
    const visitSmclient = await putRow(0, browserEvent('visit', { visitorId: bySmclient, contactId }), { status: 'held', at: now - 2000 });

    const doc = await exportContact([L0, L1], base.CONSENTS, person);
    expect(doc.events.map((e) => e.id)).toEqual([order, visitOne, visitZero, visitSmclient]);
    expect(doc.visitors.map((v) => v.visitorId).sort()).toEqual([inOne, inZero, bySmclient].sort());
    expect(doc.contactIds).toContain(contactId);

    const { removed } = await eraseContact(env, base.SHOP_API_SECRET!, person, { source: 'api', ledgers: 2 });
    expect(removed.deliveries).toBeGreaterThanOrEqual(4);
    expect(removed.visitor_links).toBeGreaterThanOrEqual(3);
    for (const index of [0, 1]) {
      const left = (await everyTextValue(db(index))).filter((v) => [person, contactId, inOne, inZero, bySmclient].some((id) => v.value.includes(id)));
      expect(left, `database ${index}`).toEqual([]);
    }
    const after = await exportContact([L0, L1], base.CONSENTS, person);
    expect(after.events).toEqual([]);
    expect(after.visitors).toEqual([]);
  });
});

describe('the setup pages over every ledger database', () => {
  async function page(env: Env, path: string, headers: Record<string, string> = {}) {
    const ctx = createExecutionContext();
    const res = await app.request(`${ORIGIN}${path}`, { headers: { ...admin, ...headers } }, env, ctx);
    await waitOnExecutionContext(ctx);
    return { status: res.status, html: await res.text(), cookie: res.headers.get('Set-Cookie') };
  }

  it('/setup/events lists the events of both databases, newest first; /setup/contact counts both', async () => {
    const env = twoLedgers(base);
    const now = Date.now();
    const buyer = emailIn(1);
    const visitor = visitorIn(0);
    await link(0, visitor, buyer, null, now);
    await knownContact(1, buyer, 'cid-two-ledgers', now);
    const newest = await putRow(1, orderEvent('purchase', { email: buyer }), { status: 'delivered', at: now - 1000 });
    const middle = await putRow(0, browserEvent('visit', { visitorId: visitor }), { status: 'delivered', at: now - 2000 });
    const oldest = await putRow(1, orderEvent('purchase', { email: buyer }), { status: 'delivered', at: now - 3000 });

    const events = await page(env, `/setup/events?lang=en&email=${encodeURIComponent(buyer)}`);
    expect(events.status).toBe(200);
    const at = (id: string) => events.html.indexOf(`data-id="${id}"`);
    expect(at(newest)).toBeGreaterThan(-1);
    expect(at(middle)).toBeGreaterThan(at(newest));
    expect(at(oldest)).toBeGreaterThan(at(middle));

    const contact = await page(env, `/setup/contact?lang=en&email=${encodeURIComponent(buyer)}`);
    expect(contact.html).toContain('<code>cid-two-ledgers</code>');
    expect(contact.html).toMatch(/<dd id="visitors-linked">1<\/dd>/);
    for (const id of [newest, middle, oldest]) expect(contact.html).toContain(`data-id="${id}"`);
  });

  it('keeps a bookmark per database in the cookie, each checked on its own', async () => {
    const env = twoLedgers(base);
    const first = await page(env, '/setup/events?lang=en');
    expect(first.status).toBe(200);
    const bookmarks = (cookie: string | null) =>
      decodeURIComponent(cookie?.match(new RegExp(`${BOOKMARK_COOKIE}=([^;]*)`))?.[1] ?? '').split(BOOKMARK_SEPARATOR);
    // One bookmark per database (local D1 gives them as D1 does), LEDGER's first.
    const shape = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;
    expect(bookmarks(first.cookie)).toEqual([expect.stringMatching(shape), expect.stringMatching(shape)]);
    // The next page continues from them.
    const next = await page(env, '/setup/events?lang=en', { Cookie: `${BOOKMARK_COOKIE}=${bookmarks(first.cookie).join(BOOKMARK_SEPARATOR)}` });
    expect(next.status).toBe(200);
    expect(bookmarks(next.cookie)).toHaveLength(2);
    // A malformed one is not passed to D1: the page still answers, with fresh bookmarks.
    const malformed = await page(env, '/setup/events?lang=en', { Cookie: `${BOOKMARK_COOKIE}=nonsense${BOOKMARK_SEPARATOR}also-nonsense` });
    expect(malformed.status).toBe(200);
    expect(bookmarks(malformed.cookie)).toEqual([expect.stringMatching(shape), expect.stringMatching(shape)]);
  });

  it('the delivery figures count both databases and merge their last errors by time', async () => {
    const later = Date.now() + 10 * DAY_MS;
    const errors = [
      { index: 1, text: uid('error-a'), at: later + 3 },
      { index: 0, text: uid('error-b'), at: later + 2 },
      { index: 1, text: uid('error-c'), at: later + 1 },
    ];
    for (const e of errors) {
      await putRow(e.index, orderEvent('purchase', { email: emailIn(e.index) }), { status: 'dead', error: e.text, at: e.at, updatedAt: e.at });
    }
    const [zero, one, both] = await Promise.all([deliveryFigures([L0], Date.now()), deliveryFigures([L1], Date.now()), deliveryFigures([L0, L1], Date.now())]);
    expect(one.byStatus.dead).toBeGreaterThanOrEqual(2);
    expect(both.byStatus.dead).toBe(zero.byStatus.dead + one.byStatus.dead);
    expect(both.accepted).toBe(zero.accepted + one.accepted);
    expect(both.lastErrors.slice(0, 3).map((e) => e.error)).toEqual(errors.map((e) => e.text));
  });
});

describe('the beacon smclient lookup', () => {
  it("answers the contact id stored in the visitor's own database (LEDGER_1)", async () => {
    const env = twoLedgers(base);
    for (const name of ['EVENTS', 'EVENTS_1'] as const) {
      const queue = (env as unknown as Record<string, Queue<QueueMessage>>)[name]!;
      vi.spyOn(queue, 'sendBatch').mockImplementation(async () => undefined as never);
      vi.spyOn(queue, 'send').mockImplementation(async () => undefined as never);
    }
    const visitor = beaconVisitorIn(1);
    await link(1, visitor, null, 'contact-in-ledger-1');
    const ctx = createExecutionContext();
    const res = await app.request(
      `${ORIGIN}/e`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'text/plain;charset=UTF-8',
          Origin: SHOP,
          'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36',
        },
        body: JSON.stringify({ v: 2, u: visitor, e: [{ i: uid('ev').slice(0, 30), k: 'visit', t: Date.now(), u: `${SHOP}/p/1`, h: 'Page' }] }),
      },
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, contactId: 'contact-in-ledger-1' });
  });
});
