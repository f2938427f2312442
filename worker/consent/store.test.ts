import { env as workerEnv } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { listChanges } from './changes.ts';
import { readEmail } from './email.ts';
import { readConsent, recordConsent } from './store.ts';

const env: Env = workerEnv;
const kv = env.CONSENTS;

const db = env.LEDGER;

async function clearLog() {
  await db.batch([db.prepare('DELETE FROM consent_changes'), db.prepare('DELETE FROM consent_latest')]);
}

/** recordConsent with the changes log in D1, as the callbacks call it. */
const record = (change: Parameters<typeof recordConsent>[1], options: { now?: number } = {}) => recordConsent(kv, change, { log: db, ...options });

let n = 0;
const address = () => `store-${Date.now()}-${++n}@example.com`;

describe('readEmail', () => {
  it.each([
    ['a+b@x.pl', 'a+b@x.pl'],
    ['a b@x.pl', 'a+b@x.pl'],
    ['  Jan.Kowalski@Example.PL ', 'jan.kowalski@example.pl'],
    ['jan%40example.pl', 'jan@example.pl'],
  ])('reads %j as %j', (raw, email) => {
    expect(readEmail(raw)).toMatchObject({ ok: true, email });
  });

  it.each(['', '   ', 'not-an-email', 'a@b', '@x.pl', `${'a'.repeat(250)}@x.pl`])('refuses %j naming the field', (raw) => {
    const read = readEmail(raw);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error).toMatch(/^email /);
  });
});

describe('recordConsent', () => {
  beforeEach(clearLog);

  it('stores the status and logs a SALESmanago change', async () => {
    const email = address();
    const result = await record({ email, status: 'opt-in', changedAt: 1000, source: 'salesmanago' });
    expect(result).toMatchObject({ changed: true, outcome: 'changed' });
    expect(await readConsent(kv, email)).toEqual({ status: 'opt-in', changedAt: 1000, source: 'salesmanago' });
    const page = await listChanges(db, { limit: 10 });
    expect(page.items).toEqual([{ id: result.id, email, status: 'opt-in', changedAt: 1000, source: 'salesmanago' }]);
  });

  it('is idempotent: the same status again changes and logs nothing', async () => {
    const email = address();
    await record({ email, status: 'opt-out', changedAt: 1000, source: 'salesmanago' });
    const again = await record({ email, status: 'opt-out', changedAt: 2000, source: 'salesmanago' });
    expect(again).toMatchObject({ changed: false, outcome: 'unchanged' });
    expect((await readConsent(kv, email))?.changedAt).toBe(1000);
    expect((await listChanges(db, { limit: 10 })).items).toHaveLength(1);
  });

  it('resolves out-of-order changes by time: an older change neither overwrites nor is logged', async () => {
    const email = address();
    await record({ email, status: 'opt-out', changedAt: 5000, source: 'salesmanago' });
    const stale = await record({ email, status: 'opt-in', changedAt: 4000, source: 'salesmanago' });
    expect(stale).toMatchObject({ changed: false, outcome: 'stale' });
    expect((await readConsent(kv, email))?.status).toBe('opt-out');
    const newer = await record({ email, status: 'opt-in', changedAt: 6000, source: 'salesmanago' });
    expect(newer.changed).toBe(true);
    const items = (await listChanges(db, { limit: 10 })).items;
    expect(items.map((i) => i.status)).toEqual(['opt-out', 'opt-in']);
  });

  it("stores the shop's own changes and test changes without logging them", async () => {
    const email = address();
    expect((await record({ email, status: 'opt-in', changedAt: 1, source: 'shop' })).changed).toBe(true);
    expect((await record({ email, status: 'opt-out', changedAt: 2, source: 'test' })).changed).toBe(true);
    expect((await readConsent(kv, email))?.source).toBe('test');
    expect((await listChanges(db, { limit: 10 })).items).toHaveLength(0);
  });

  it('lower-cases the address it stores under', async () => {
    const email = address();
    await record({ email: ` ${email.toUpperCase()} `, status: 'opt-in', changedAt: 1, source: 'shop' });
    expect((await readConsent(kv, email))?.status).toBe('opt-in');
  });
});

describe('listChanges (D1: strongly consistent, immediate)', () => {
  beforeEach(clearLog);

  const base = Date.UTC(2026, 0, 1);
  async function seed(times: number[]) {
    const ids: string[] = [];
    for (const [i, t] of times.entries()) {
      const r = await record({ email: `feed-${++n}-${i}@example.com`, status: i % 2 ? 'opt-out' : 'opt-in', changedAt: t, source: 'salesmanago' }, { now: t });
      ids.push(r.id!);
    }
    return ids;
  }

  async function all(since = '', limit = 3): Promise<{ ids: string[]; pages: number; next: string }> {
    const ids: string[] = [];
    let pages = 0;
    for (let guard = 0; guard < 100; guard++) {
      const page = await listChanges(db, { since, limit });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      if (page.items.length === 0) return { ids, pages, next: page.next };
      pages += 1;
      ids.push(...page.items.map((i) => i.id));
      since = page.next;
    }
    throw new Error('the cursor does not advance');
  }

  it('shows a change at once (no settle time), oldest first, with a cursor across pages', async () => {
    const times = [base, base, base + 1, base + 99_999, base + 3_600_000, base + 86_400_000 * 40, Date.now(), Date.now()];
    const ids = await seed(times);
    const read = await all('', 3);
    expect(read.ids).toEqual(ids);
    expect(read.pages).toBe(3);
    // Caught up: nothing new after the last cursor; a change recorded now is there on the next poll.
    expect((await listChanges(db, { since: read.next, limit: 10 })).items).toEqual([]);
    const [late] = await seed([Date.now()]);
    expect((await listChanges(db, { since: read.next, limit: 10 })).items.map((i) => i.id)).toEqual([late]);
  });

  it('keeps arrival order and later-wins for out-of-order changes of one address', async () => {
    const email = `ooo-${++n}@example.com`;
    const a = await record({ email, status: 'opt-in', changedAt: base + 5_000, source: 'salesmanago' });
    // Older than what is stored: neither stored nor logged.
    const older = await record({ email, status: 'opt-out', changedAt: base + 1_000, source: 'salesmanago' });
    const b = await record({ email, status: 'opt-out', changedAt: base + 9_000, source: 'salesmanago' });
    expect(older).toMatchObject({ changed: false, outcome: 'stale' });
    const page = await listChanges(db, { limit: 10 });
    expect(page.items.map((i) => [i.id, i.status])).toEqual([
      [a.id, 'opt-in'],
      [b.id, 'opt-out'],
    ]);
    expect((await readConsent(kv, email))?.status).toBe('opt-out');
  });

  it('concurrent callbacks: each change logged once, seq strictly increasing, no gap; one address ends in its latest status', async () => {
    const emails = Array.from({ length: 40 }, (_, i) => `conc-${++n}-${i}@example.com`);
    const results = await Promise.all(
      emails.map((email, i) => record({ email, status: i % 2 ? 'opt-out' : 'opt-in', changedAt: Date.now(), source: 'salesmanago' })),
    );
    const ids = results.map((r) => Number(r.id));
    expect(new Set(ids).size).toBe(40);
    const read = await all('', 7);
    expect(read.ids.map(Number)).toEqual([...ids].sort((x, y) => x - y));
    const numbers = read.ids.map(Number);
    expect(numbers.every((v, i) => i === 0 || v === numbers[i - 1]! + 1)).toBe(true);
    expect(new Set(read.ids.map((id) => read.ids.indexOf(id))).size).toBe(40);

    // Two callbacks for one address at once (opt-in older, opt-out newer): the log and KV end in opt-out.
    const email = `race-${++n}@example.com`;
    const t = Date.now();
    await Promise.all([
      record({ email, status: 'opt-in', changedAt: t, source: 'salesmanago' }),
      record({ email, status: 'opt-out', changedAt: t + 1, source: 'salesmanago' }),
    ]);
    const mine = (await listChanges(db, { since: read.next, limit: 10 })).items.filter((i) => i.email === email);
    expect(mine.at(-1)?.status).toBe('opt-out');
    expect((await readConsent(kv, email))?.status).toBe('opt-out');
  });

  it('reads a cursor of the former KV log (a 13-digit time) as "everything recorded before it"', async () => {
    const ids = await seed([base, base + 10_000, base + 70_000]);
    const page = await listChanges(db, { since: String(base + 5_000).padStart(13, '0'), limit: 10 });
    expect(page.items.map((i) => i.id)).toEqual(ids.slice(1));
    const withHex = await listChanges(db, { since: `${base + 60_000}:0123456789abcdef`, limit: 10 });
    expect(withHex.items.map((i) => i.id)).toEqual(ids.slice(2));
  });
});
