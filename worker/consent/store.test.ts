import { env as workerEnv } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { CHANGE_PREFIX, listChanges } from './changes.ts';
import { readEmail } from './email.ts';
import { readConsent, recordConsent } from './store.ts';

const env = workerEnv as unknown as Env;
const kv = env.CONSENTS;

async function clearLog() {
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: CHANGE_PREFIX, ...(cursor ? { cursor } : {}) });
    await Promise.all(page.keys.map((k) => kv.delete(k.name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}

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
    const result = await recordConsent(kv, { email, status: 'opt-in', changedAt: 1000, source: 'salesmanago' });
    expect(result).toMatchObject({ changed: true, outcome: 'changed' });
    expect(await readConsent(kv, email)).toEqual({ status: 'opt-in', changedAt: 1000, source: 'salesmanago' });
    const page = await listChanges(kv, { limit: 10, now: Date.now(), settleMs: 0 });
    expect(page.items).toEqual([{ id: result.id, email, status: 'opt-in', changedAt: 1000, source: 'salesmanago' }]);
  });

  it('is idempotent: the same status again changes and logs nothing', async () => {
    const email = address();
    await recordConsent(kv, { email, status: 'opt-out', changedAt: 1000, source: 'salesmanago' });
    const again = await recordConsent(kv, { email, status: 'opt-out', changedAt: 2000, source: 'salesmanago' });
    expect(again).toMatchObject({ changed: false, outcome: 'unchanged' });
    expect((await readConsent(kv, email))?.changedAt).toBe(1000);
    expect((await listChanges(kv, { limit: 10, now: Date.now(), settleMs: 0 })).items).toHaveLength(1);
  });

  it('resolves out-of-order changes by time: an older change neither overwrites nor is logged', async () => {
    const email = address();
    await recordConsent(kv, { email, status: 'opt-out', changedAt: 5000, source: 'salesmanago' });
    const stale = await recordConsent(kv, { email, status: 'opt-in', changedAt: 4000, source: 'salesmanago' });
    expect(stale).toMatchObject({ changed: false, outcome: 'stale' });
    expect((await readConsent(kv, email))?.status).toBe('opt-out');
    const newer = await recordConsent(kv, { email, status: 'opt-in', changedAt: 6000, source: 'salesmanago' });
    expect(newer.changed).toBe(true);
    const items = (await listChanges(kv, { limit: 10, now: Date.now(), settleMs: 0 })).items;
    expect(items.map((i) => i.status)).toEqual(['opt-out', 'opt-in']);
  });

  it("stores the shop's own changes and test changes without logging them", async () => {
    const email = address();
    expect((await recordConsent(kv, { email, status: 'opt-in', changedAt: 1, source: 'shop' })).changed).toBe(true);
    expect((await recordConsent(kv, { email, status: 'opt-out', changedAt: 2, source: 'test' })).changed).toBe(true);
    expect((await readConsent(kv, email))?.source).toBe('test');
    expect((await listChanges(kv, { limit: 10, now: Date.now(), settleMs: 0 })).items).toHaveLength(0);
  });

  it('lower-cases the address it stores under', async () => {
    const email = address();
    await recordConsent(kv, { email: ` ${email.toUpperCase()} `, status: 'opt-in', changedAt: 1, source: 'shop' });
    expect((await readConsent(kv, email))?.status).toBe('opt-in');
  });
});

describe('listChanges', () => {
  beforeEach(clearLog);

  const base = Date.UTC(2026, 0, 1);
  async function seed(times: number[]) {
    const ids: string[] = [];
    for (const [i, t] of times.entries()) {
      const r = await recordConsent(
        kv,
        { email: `feed-${++n}-${i}@example.com`, status: i % 2 ? 'opt-out' : 'opt-in', changedAt: t, source: 'salesmanago' },
        { now: t },
      );
      ids.push(r.id!);
    }
    return ids;
  }

  it('pages oldest first across sparse time buckets, with a cursor the shop passes back', async () => {
    // Same millisecond, neighbouring buckets, hours and weeks apart: the walk must cross every level.
    const times = [base, base, base + 1, base + 99_999, base + 100_000, base + 3_600_000, base + 86_400_000 * 3, base + 86_400_000 * 40];
    const ids = await seed(times);
    const now = base + 86_400_000 * 41;
    const seen: string[] = [];
    let since = '';
    for (let guard = 0; guard < 10; guard++) {
      const page = await listChanges(kv, { since, limit: 3, now });
      seen.push(...page.items.map((i) => i.id));
      expect(page.items.length).toBeLessThanOrEqual(3);
      if (page.items.length === 0) break;
      since = page.next;
    }
    expect(seen).toEqual([...ids].sort());
    expect(seen.map((id) => Number(id.slice(0, 13)))).toEqual(times);
  });

  it('holds back changes younger than the settle time and resumes after them later', async () => {
    const ids = await seed([base, base + 10_000, base + 70_000]);
    const first = await listChanges(kv, { limit: 10, now: base + 75_000 });
    expect(first.items.map((i) => i.id)).toEqual(ids.slice(0, 2));
    const empty = await listChanges(kv, { since: first.next, limit: 10, now: base + 75_000 });
    expect(empty.items).toEqual([]);
    const later = await listChanges(kv, { since: empty.next, limit: 10, now: base + 200_000 });
    expect(later.items.map((i) => i.id)).toEqual([ids[2]]);
  });

  it('a change recorded after the shop caught up is found from the caught-up cursor', async () => {
    const caughtUp = await listChanges(kv, { limit: 10, now: base });
    expect(caughtUp.items).toEqual([]);
    const ids = await seed([base + 5_000_000]);
    const page = await listChanges(kv, { since: caughtUp.next, limit: 10, now: base + 6_000_000 });
    expect(page.items.map((i) => i.id)).toEqual(ids);
  });
});
