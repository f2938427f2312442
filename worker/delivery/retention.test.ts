// Issue 10 item 4: the ledger's retention policy, pruned in bounded batches, and the ledger's size at
// steady state measured from a sample (docs/operations.md "Retention").
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { insertRow, ledgerRows } from '../ledger/deliveries/rows.ts';
import { acceptShopEvent } from '../ingest/shop.ts';
import type { AcceptedEvent, QueueMessage } from '../queue/messages.ts';
import { cleanUp } from './scheduled.ts';
import { DAY_MS, pruneLedger, pruneRetained } from './retention.ts';
import { browserEvent, uid } from '../test/delivery-fixtures.ts';

const env: Env = workerEnv;
const db = env.LEDGER;
const days = { delivered: 30, held: 30, links: 30, counters: 400, consentProof: 1095 };

async function put(events: AcceptedEvent[], status: string, at: number): Promise<void> {
  const rows = events.flatMap((event) => ledgerRows({ kind: 'event', event } as QueueMessage));
  for (let i = 0; i < rows.length; i += 100) {
    await db.batch(rows.slice(i, i + 100).map((row) => insertRow(db, { ...row, acceptedAt: at }, at)));
  }
  await db
    .prepare(`UPDATE deliveries SET status = ?1, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?3))`)
    .bind(status, at, JSON.stringify(rows.map((r) => r.id)))
    .run();
}

const statusOf = async (id: string) =>
  db
    .prepare('SELECT status, payload IS NOT NULL AS has_payload, contact FROM deliveries WHERE id = ?')
    .bind(id)
    .first<{ status: string; has_payload: number; contact: string | null }>();

function purchase(at: number): AcceptedEvent {
  return acceptShopEvent(
    {
      type: 'purchase',
      orderId: uid('ORD'),
      email: 'buyer@example.com',
      value: 129.9,
      currency: 'PLN',
      products: [
        { id: 'sku-1', name: 'Kubek', quantity: 2, price: 39.95 },
        { id: 'sku-2', name: 'Talerz', quantity: 1, price: 50 },
      ],
      occurredAt: at,
      loggedIn: false,
      returnId: null,
      name: 'Jan Kowalski',
      phone: null,
      lang: 'pl',
      paymentMethod: 'blik',
      shippingMethod: 'courier',
    },
    at,
  );
}

describe('retention (issue 10 item 4)', () => {
  it("forgets a platform customer id's e-mails ORDER_ID_DAYS after the last delivery named them", async () => {
    const { rememberCustomers, emailsOfCustomer } = await import('../ledger/platform-customers.ts');
    const { ORDER_ID_DAYS } = await import('./retention.ts');
    const now = Date.now();
    const [old, recent] = [uid('c-old'), uid('c-recent')];
    await rememberCustomers(db, 'woocommerce', [{ id: old, email: 'old@example.com' }], now - (ORDER_ID_DAYS + 1) * DAY_MS);
    await rememberCustomers(db, 'woocommerce', [{ id: recent, email: 'recent@example.com' }], now - (ORDER_ID_DAYS - 1) * DAY_MS);
    expect((await pruneLedger(db, now, days)).platformCustomers).toBeGreaterThanOrEqual(1);
    expect(await emailsOfCustomer(db, 'woocommerce', old)).toEqual([]);
    expect(await emailsOfCustomer(db, 'woocommerce', recent)).toEqual(['recent@example.com']);
  });

  it('forgets platform deliveries, double opt-in claims and order conflicts once no repeat can come', async () => {
    const now = Date.now();
    const old = now - 31 * DAY_MS,
      recent = now - 3 * DAY_MS;
    const ids = { old: uid('old'), recent: uid('recent') };
    await db.batch([
      ...[
        ['old', old],
        ['recent', recent],
      ].flatMap(([key, at]) => [
        db
          .prepare("INSERT INTO platform_deliveries (platform, delivery_id, outcome, http_status, received_at) VALUES ('shopify', ?, 'accepted', 200, ?)")
          .bind(ids[key as 'old' | 'recent'], at),
        db.prepare('INSERT INTO double_opt_ins (subscribe_id, email, requested_at) VALUES (?, ?, ?)').bind(ids[key as 'old' | 'recent'], 'a@example.com', at),
        db.prepare('INSERT INTO order_conflicts (id, fields, reposts, last_at) VALUES (?, \'["value"]\', 1, ?)').bind(ids[key as 'old' | 'recent'], at),
      ]),
    ]);
    // A one-day setting still keeps what a retried webhook or subscribe may need (REPEAT_DAYS).
    const pruned = await pruneLedger(db, now, { ...days, delivered: 1 });
    expect(pruned.repeatRecords).toBeGreaterThanOrEqual(3);
    for (const [table, column] of [
      ['platform_deliveries', 'delivery_id'],
      ['double_opt_ins', 'subscribe_id'],
      ['order_conflicts', 'id'],
    ] as const) {
      const left = await db.prepare(`SELECT ${column} AS id FROM ${table} WHERE ${column} IN (?, ?)`).bind(ids.old, ids.recent).all<{ id: string }>();
      expect(left.results.map((r) => r.id)).toEqual([ids.recent]);
    }
  });

  it('deletes by table and age, keeps order ids without personal data for deduplication', async () => {
    const now = Date.now();
    const old = now - 31 * DAY_MS;
    const visitor = uid('vis');
    const oldVisit = browserEvent('visit', { visitorId: visitor });
    const newVisit = browserEvent('visit', { visitorId: visitor });
    const oldHeld = browserEvent('visit', { visitorId: uid('anon') });
    const oldFailed = browserEvent('cart', { visitorId: visitor });
    const oldOrder = purchase(old);
    const ancientOrder = purchase(now - 401 * DAY_MS);
    await put([oldVisit], 'delivered', old);
    await put([newVisit], 'delivered', now);
    await put([oldHeld], 'held', old);
    await put([oldFailed], 'failed', old);
    await put([oldOrder], 'delivered', old);
    await put([ancientOrder], 'delivered', now - 401 * DAY_MS);
    await db.batch([
      db.prepare('INSERT INTO visitor_links (visitor_id, email, verified, updated_at) VALUES (?, ?, 1, ?)').bind(uid('old'), 'a@example.com', old),
      db.prepare('INSERT INTO visitor_links (visitor_id, email, verified, updated_at) VALUES (?, ?, 1, ?)').bind(uid('new'), 'b@example.com', now),
      db.prepare('INSERT INTO known_contacts (email, contact_id, updated_at) VALUES (?, ?, ?)').bind(`${uid('k')}@example.com`, 'c1', old),
      db.prepare("INSERT INTO ingest_counters (name, day, count, updated_at) VALUES ('bot-beacons', '2020-01-01', 5, ?)").bind(old),
    ]);

    const pruned = await pruneLedger(db, now, days);
    expect(await statusOf(oldVisit.id)).toBeNull();
    expect(await statusOf(newVisit.id)).toMatchObject({ status: 'delivered', has_payload: 1 });
    // Held past the window: expired, without its data; deleted later like a delivered row.
    expect(await statusOf(oldHeld.id)).toEqual({ status: 'expired', has_payload: 0, contact: null });
    // Failed rows wait 90 days for a replay.
    expect(await statusOf(oldFailed.id)).toMatchObject({ status: 'failed', has_payload: 1 });
    expect(await statusOf(oldOrder.id)).toEqual({ status: 'delivered', has_payload: 0, contact: null });
    expect(await statusOf(ancientOrder.id)).toBeNull();
    expect(pruned).toMatchObject({ visitorLinks: 1, knownContacts: 1, counters: 1 });
    expect(await db.prepare('SELECT COUNT(*) AS n FROM visitor_links WHERE updated_at >= ?').bind(now).first('n')).toBe(1);
    // 90 days on, the failed row goes too, and so does the expired one.
    await pruneLedger(db, now + 60 * DAY_MS, days);
    expect(await statusOf(oldFailed.id)).toBeNull();
    expect(await statusOf(oldHeld.id)).toBeNull();
  });

  it('works in bounded batches: a backlog is worked off over several runs', async () => {
    const old = Date.now() - 40 * DAY_MS;
    await put(
      Array.from({ length: 250 }, () => browserEvent('visit', { visitorId: uid('b') })),
      'delivered',
      old,
    );
    const first = await pruneLedger(db, Date.now(), days, { rows: 50, batches: 2 });
    expect(first.deliveries).toBe(100);
    const second = await pruneLedger(db, Date.now(), days, { rows: 50, batches: 10 });
    expect(second.deliveries).toBe(150);
  });

  it('settings are clamped to safe bounds and named as problems', () => {
    const config = readConfig({ ...env, RETENTION_DELIVERED_DAYS: '5000', RETENTION_HELD_DAYS: '0', RETENTION_LINKS_DAYS: 'soon' });
    expect(config.retention).toEqual({ delivered: 365, held: 1, links: 30, counters: 400, consentProof: 1095 });
    expect(config.problems.map((p) => p.name)).toEqual(expect.arrayContaining(['RETENTION_DELIVERED_DAYS', 'RETENTION_HELD_DAYS', 'RETENTION_LINKS_DAYS']));
  });

  it('the hourly job prunes (scheduled.ts calls pruneRetained)', async () => {
    const gone = browserEvent('visit', { visitorId: uid('h') });
    await put([gone], 'delivered', Date.now() - 31 * DAY_MS);
    await cleanUp(env, Date.now());
    await pruneRetained(env, Date.now(), readConfig(env).retention);
    expect(await statusOf(gone.id)).toBeNull();
  });

  it('figure: ledger bytes per 1,000,000 events at steady state, from a measured sample', async () => {
    // A sample mix of a storefront: 60 % visits, 20 % carts (3 products), 10 % logins, 5 % newsletter, 5 % purchases.
    const now = Date.now();
    const sample: AcceptedEvent[] = [];
    for (let i = 0; i < 1000; i += 1) {
      const visitorId = uid('visitor-').padEnd(30, 'x');
      const url = `https://sklep.example.pl/kategoria/produkt-${i}?utm_source=newsletter`;
      const r = i % 20;
      if (r < 12) sample.push(browserEvent('visit', { visitorId, url, title: 'Kubek ceramiczny 300 ml | Sklep', referrer: 'https://www.google.com/' }));
      else if (r < 16)
        sample.push(
          browserEvent('cart', {
            visitorId,
            url,
            products: [1, 2, 3].map((p) => ({ id: `sku-${p}`, name: `Produkt ${p}`, quantity: 1, price: 19.9 })),
            value: 59.7,
            currency: 'PLN',
          }),
        );
      else if (r < 18) sample.push(browserEvent('login', { visitorId, url, email: `klient${i}@example.com`, emailVerified: true }));
      else if (r < 19) sample.push(browserEvent('newsletter', { visitorId, url, email: `klient${i}@example.com`, emailVerified: false }));
      else sample.push(purchase(now));
    }
    const size = async () => (await db.prepare('SELECT 1').run()).meta.size_after;
    const empty = await size();
    await put(sample, 'delivered', now - 31 * DAY_MS);
    const full = await size();
    // What pruning leaves of an order (SQLite keeps freed pages for reuse, so stubs are measured as inserted).
    const stubRows = Array.from({ length: 1000 }, () => purchase(now)).flatMap((event) => ledgerRows({ kind: 'event', event }));
    const beforeStubs = await size();
    for (let i = 0; i < stubRows.length; i += 100) {
      await db.batch(
        stubRows.slice(i, i + 100).map((row) => insertRow(db, { ...row, contact: null, visitorId: null, payload: null as unknown as string }, now)),
      );
    }
    const perOrderStub = ((await size()) - beforeStubs) / stubRows.length;
    const perEvent = (full - empty) / sample.length;
    // Steady state: every event of the last RETENTION_DELIVERED_DAYS is held in full; orders keep a stub for 400 days.
    const figure = {
      bytesPerEventFull: Math.round(perEvent),
      bytesPerOrderStub: Math.round(perOrderStub),
      mbPer1MEventsRetained: Math.round((perEvent * 1e6) / 1e5) / 10,
      // 1,000,000 events per 30 days, 5 % of them orders: 30 days of events in full plus 400 days of order ids.
      mbSteadyState1MPer30Days: Math.round((perEvent * 1e6 + perOrderStub * 50_000 * (400 / 30)) / 1e5) / 10,
    };
    console.log('ledger retention figure', JSON.stringify(figure));
    expect(perEvent).toBeGreaterThan(0);
    // Budget: a retained event stays under 2 KB of ledger.
    expect(perEvent).toBeLessThan(2048);
  });
});
