import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readConsent } from '../consent/store.ts';
import { itemId, itemsOf, type QueueMessage } from '../queue/messages.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from '../queue/send.ts';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;
const SECRET = env.SHOP_API_SECRET!;

interface Sent {
  status: number;
  body: Record<string, unknown> & { error?: string };
}

async function signedPost(path: string, body: unknown, options: { t?: number; secret?: string; header?: string | null; bindings?: Env } = {}): Promise<Sent> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const t = options.t ?? Math.floor(Date.now() / 1000);
  const header = options.header === undefined ? await sign(options.secret ?? SECRET, t, 'POST', path, raw) : options.header;
  const ctx = createExecutionContext();
  const res = await app.request(
    path,
    { method: 'POST', headers: { 'Content-Type': 'application/json', ...(header === null ? {} : { 'Sm-Edge-Signature': header }) }, body: raw },
    options.bindings ?? env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json() };
}

let orders = 0;
function orderId(): string {
  orders += 1;
  return `ORD/${Date.now()}-${orders}:${crypto.randomUUID().slice(0, 6)}`;
}

function purchase(extra: Record<string, unknown> = {}) {
  return {
    type: 'purchase',
    orderId: orderId(),
    email: 'Klient@Example.com',
    loggedIn: true,
    name: 'Jan Kowalski',
    value: 129.9,
    currency: 'PLN',
    products: [
      { id: 'sku-1', name: 'Kubek', quantity: 2, price: 39.95 },
      { id: 77, quantity: 1 },
    ],
    occurredAt: '2026-11-20T14:03:00+01:00',
    paymentMethod: 'blik',
    ...extra,
  };
}

const purchaseId = (orderId: string) => `s:purchase:${orderId.replace(/%/g, '%25').replace(/:/g, '%3A')}`;

async function row(id: string) {
  return env.LEDGER.prepare('SELECT id, type, source, status, contact, last_error, payload FROM deliveries WHERE id = ?')
    .bind(id)
    .first<{ id: string; type: string; source: string; status: string; contact: string; last_error: string | null; payload: string }>();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('POST /api/v1/events', () => {
  it('queues a purchase (202) and records it in the ledger with a deterministic id', async () => {
    const send = vi.spyOn(env.EVENTS, 'sendBatch');
    const input = purchase();
    const res = await signedPost('/api/v1/events', input);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: purchaseId(input.orderId), status: 'queued' });
    const stored = await row(res.body.id as string);
    expect(stored).toMatchObject({ type: 'purchase', source: 'shop', status: expect.any(String), contact: 'klient@example.com' });
    const message = JSON.parse(stored!.payload) as QueueMessage;
    expect(message).toMatchObject({
      kind: 'event',
      event: {
        type: 'purchase',
        source: 'shop',
        email: 'klient@example.com',
        emailVerified: true,
        value: 129.9,
        currency: 'PLN',
        occurredAt: Date.parse('2026-11-20T13:03:00Z'),
        products: [
          { id: 'sku-1', name: 'Kubek', quantity: 2, price: 39.95 },
          { id: '77', quantity: 1 },
        ],
        order: { orderId: input.orderId, loggedIn: true, paymentMethod: 'blik' },
      },
    });
    expect(send).toHaveBeenCalledTimes(1);
    const sent = [...send.mock.calls[0]![0]].map((m) => m.body);
    expect(sent.flatMap((m) => itemsOf(m).map(itemId))).toEqual([res.body.id]);
  });

  it('answers a repost of the same (type, orderId) 200 duplicate and does not enqueue it again', async () => {
    const input = purchase();
    const first = await signedPost('/api/v1/events', input);
    expect(first.status).toBe(202);
    const send = vi.spyOn(env.EVENTS, 'sendBatch');
    // The same content again (a different value is a conflict: order-conflict.test.ts).
    const again = await signedPost('/api/v1/events', { ...input, email: 'KLIENT@example.com' });
    expect(again).toEqual({ status: 200, body: { id: first.body.id, status: 'duplicate' } });
    expect(send).not.toHaveBeenCalled();
    // A cancellation of the same order is another event.
    expect((await signedPost('/api/v1/events', { ...input, type: 'cancellation' })).status).toBe(202);
  });

  it('requires returnId for a return, and tells two returns of one order apart', async () => {
    const input = purchase({ type: 'return' });
    const missing = await signedPost('/api/v1/events', input);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('returnId: is required');
    const r1 = await signedPost('/api/v1/events', { ...input, returnId: 'R1' });
    const r2 = await signedPost('/api/v1/events', { ...input, returnId: 'R2' });
    expect([r1.status, r2.status]).toEqual([202, 202]);
    expect(r1.body.id).not.toBe(r2.body.id);
    // (An unknown field makes the body differ: the same body signed in the same second is a replay.)
    expect((await signedPost('/api/v1/events', { ...input, returnId: 'R1', attempt: 2 })).body.status).toBe('duplicate');
  });

  it('escapes ids so that ":" in an order id cannot collide with another return', async () => {
    const base = orderId();
    const a = await signedPost('/api/v1/events', purchase({ type: 'return', orderId: `${base}:x`, returnId: 'y' }));
    const b = await signedPost('/api/v1/events', purchase({ type: 'return', orderId: base, returnId: 'x:y' }));
    expect([a.body.status, b.body.status]).toEqual(['queued', 'queued']);
  });

  it.each([
    [{ email: 'nope' }, 'email: must be a valid e-mail address'],
    [{ value: '12.50' }, 'value: must be a number'],
    [{ currency: 'PL' }, 'currency: must be a 3-letter currency code'],
    [{ occurredAt: '20.11.2026' }, 'occurredAt: must be an ISO 8601 timestamp'],
    [{ occurredAt: '2026-11-20T14:03:00' }, 'occurredAt: must be an ISO 8601 timestamp'],
    [{ products: [] }, 'products: must contain at least one product'],
    [{ products: [{ id: 'a' }] }, 'products[0].quantity: is required'],
    [{ products: [{ quantity: 1 }] }, 'products[0].id: is required'],
    [{ type: 'refund' }, 'type: must be one of purchase, return, cancellation'],
    [{ orderId: '' }, 'orderId: must not be empty'],
    [{ loggedIn: 'yes' }, 'loggedIn: must be true or false'],
  ])('refuses %j with 400 naming the field', async (patch, message) => {
    const res = await signedPost('/api/v1/events', purchase(patch));
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
  });

  it('ignores unknown fields and takes null as absent', async () => {
    const res = await signedPost('/api/v1/events', purchase({ coupon: 'X', name: null, phone: null }));
    expect(res.status).toBe(202);
    const payload = (await row(res.body.id as string))!.payload;
    expect(payload).not.toMatch(/coupon|"name":null|"phone"/);
  });

  it('refuses a body over 256 KB with 413', async () => {
    const res = await signedPost('/api/v1/events', purchase({ note: 'x'.repeat(300 * 1024) }));
    expect(res.status).toBe(413);
  });
});

describe('shop API signatures', () => {
  const body = () => purchase();
  it('refuses a missing signature with 401', async () => {
    const res = await signedPost('/api/v1/events', body(), { header: null });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/missing Sm-Edge-Signature/);
  });
  it('refuses a wrong signature with 401', async () => {
    expect((await signedPost('/api/v1/events', body(), { secret: 'not-the-shop-api-secret' })).status).toBe(401);
    const t = Math.floor(Date.now() / 1000);
    expect((await signedPost('/api/v1/events', body(), { header: `t=${t},v1=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await signedPost('/api/v1/events', body(), { header: 'garbage' })).status).toBe(401);
  });
  it('refuses a signature more than 300 s old or ahead with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await signedPost('/api/v1/events', body(), { t: now - 301 })).status).toBe(401);
    expect((await signedPost('/api/v1/events', body(), { t: now + 301 })).status).toBe(401);
    expect((await signedPost('/api/v1/events', body(), { t: now - 290 })).status).toBe(202);
  });
  it('refuses a replayed request with 401', async () => {
    const raw = JSON.stringify(body());
    const t = Math.floor(Date.now() / 1000);
    const header = await sign(SECRET, t, 'POST', '/api/v1/events', raw);
    expect((await signedPost('/api/v1/events', raw, { header })).status).toBe(202);
    const replay = await signedPost('/api/v1/events', raw, { header });
    expect(replay.status).toBe(401);
    expect(replay.body.error).toMatch(/replay/);
  });
  it('costs one D1 round trip: the replay record joins the ledger batch (issue 25 item 2)', async () => {
    // The D1 binding, recording each call that reaches the database with the tables its statements name.
    const calls: string[] = [];
    const sqlOf = new WeakMap<object, string>();
    const tables = (sql: string) => [...new Set([...sql.matchAll(/\b(?:INTO|UPDATE|FROM)\s+(\w+)/gi)].map((m) => m[1]!))].sort().join('+');
    const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
      const proxy: D1PreparedStatement = new Proxy(statement, {
        get(target, key) {
          if (key === 'bind') return (...args: unknown[]) => wrap(target.bind(...args), sql);
          if (key === 'run' || key === 'first' || key === 'all' || key === 'raw') {
            return (...args: unknown[]) => (calls.push(`${String(key)} ${tables(sql)}`), (target[key] as (...a: unknown[]) => unknown).apply(target, args));
          }
          const value = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      sqlOf.set(proxy, sql);
      return proxy;
    };
    const counted = new Proxy(env.LEDGER, {
      get(target, key) {
        if (key === 'prepare') return (sql: string) => wrap(target.prepare(sql), sql);
        if (key === 'batch') {
          return (statements: D1PreparedStatement[]) => {
            calls.push(`batch ${tables(statements.map((st) => sqlOf.get(st) ?? '').join(' '))}`);
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const bindings = { ...env, LEDGER: counted } as Env;
    // Warm: the settings snapshot (read at most every few seconds, not per request) is cached.
    expect((await signedPost('/api/v1/events', body(), { bindings })).status).toBe(202);
    calls.length = 0;
    const raw = JSON.stringify(body());
    const header = await sign(SECRET, Math.floor(Date.now() / 1000), 'POST', '/api/v1/events', raw);
    expect((await signedPost('/api/v1/events', raw, { header, bindings })).status).toBe(202);
    expect(calls).toEqual(['batch deliveries+seen_signatures']);
    // The replay fails that same batch whole: 401, nothing recorded but the refusal (after the answer).
    calls.length = 0;
    const replay = await signedPost('/api/v1/events', raw, { header, bindings });
    expect(replay.status).toBe(401);
    expect(replay.body.error).toMatch(/replay/);
    expect(calls.filter((c) => !c.endsWith('refused_requests'))).toEqual(['batch deliveries+seen_signatures']);
  });
  it('a replayed contact subscribe acts once: no second ledger row, and a later opt-out stands', async () => {
    const email = `replayed-${crypto.randomUUID()}@example.com`;
    const raw = JSON.stringify({ email, newsletter: 'subscribe' });
    const header = await sign(SECRET, Math.floor(Date.now() / 1000), 'POST', '/api/v1/contacts', raw);
    const first = await signedPost('/api/v1/contacts', raw, { header });
    expect(first.status).toBe(202);
    const before = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE type = 'contact'").first<{ n: number }>();
    expect((await signedPost('/api/v1/contacts', { email, newsletter: 'unsubscribe' })).status).toBe(202);
    const replay = await signedPost('/api/v1/contacts', raw, { header });
    expect(replay.status).toBe(401);
    const after = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE type = 'contact'").first<{ n: number }>();
    expect(after!.n).toBe(before!.n + 1); // the unsubscribe only
    expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-out');
  });
  it('binds the signature to the path: a contacts signature does not open events', async () => {
    const raw = JSON.stringify(body());
    const header = await sign(SECRET, Math.floor(Date.now() / 1000), 'POST', '/api/v1/contacts', raw);
    expect((await signedPost('/api/v1/events', raw, { header })).status).toBe(401);
  });
  it('checks the signature before the body: an unsigned bad body is 401, not 400', async () => {
    expect((await signedPost('/api/v1/events', '{nope', { header: null })).status).toBe(401);
  });
});

describe('POST /api/v1/contacts', () => {
  it('queues a contact (202) and records a subscribe in the consent store as opt-in from the shop', async () => {
    const email = `sub-${crypto.randomUUID()}@example.com`;
    const res = await signedPost('/api/v1/contacts', { email: email.toUpperCase(), name: 'Ala', newsletter: 'subscribe', trigger: 'registration' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.stringMatching(/^c:/), status: 'queued' });
    const stored = await row(res.body.id as string);
    expect(stored).toMatchObject({ type: 'contact', source: 'shop', contact: email });
    expect(JSON.parse(stored!.payload)).toMatchObject({ kind: 'contact', contact: { email, newsletter: 'subscribe', trigger: 'registration', name: 'Ala' } });
    expect(await readConsent(env.CONSENTS, email)).toMatchObject({ status: 'opt-in', source: 'shop' });
  });

  it('records an unsubscribe as opt-out, and leaves consent alone without a newsletter field', async () => {
    const email = `unsub-${crypto.randomUUID()}@example.com`;
    expect((await signedPost('/api/v1/contacts', { email, newsletter: 'unsubscribe' })).status).toBe(202);
    expect(await readConsent(env.CONSENTS, email)).toMatchObject({ status: 'opt-out', source: 'shop' });
    const other = `plain-${crypto.randomUUID()}@example.com`;
    expect((await signedPost('/api/v1/contacts', { email: other, trigger: 'update' })).status).toBe(202);
    expect(await readConsent(env.CONSENTS, other)).toBeNull();
  });

  it.each([
    [{}, 'email: is required'],
    [{ email: 'a@b' }, 'email: must be a valid e-mail address'],
    [{ email: 'a@example.com', newsletter: 'yes' }, 'newsletter: must be "subscribe" or "unsubscribe"'],
    [{ email: 'a@example.com', trigger: 'signup' }, 'trigger: must be one of registration'],
  ])('refuses %j with 400 naming the field', async (input, message) => {
    const res = await signedPost('/api/v1/contacts', input);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
  });
});

describe('POST /api/v1/batch', () => {
  it('accepts 500 items (events and contacts), answering per item, in chunks the queue accepts', async () => {
    const send = vi.spyOn(env.EVENTS, 'sendBatch');
    const items = Array.from({ length: 500 }, (_, i) =>
      i % 5 === 0 ? { kind: 'contact', email: `batch-${i}-${crypto.randomUUID()}@example.com` } : { kind: 'event', ...purchase() },
    );
    const res = await signedPost('/api/v1/batch', { items });
    expect(res.status).toBe(202);
    const answered = res.body.items as { id: string; status: string }[];
    expect(answered).toHaveLength(500);
    expect(answered.every((a) => a.status === 'queued')).toBe(true);
    expect(answered[0]!.id).toMatch(/^c:/);
    expect(answered[1]!.id).toMatch(/^s:purchase:/);
    // Packed: 400 events in 8 messages of 50, 100 contacts in 2, every item queued once.
    const messages = send.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body));
    expect(messages.map((m) => m.kind).sort()).toEqual([...Array(2).fill('contacts'), ...Array(8).fill('events')]);
    expect(messages.every((m) => itemsOf(m).length === 50 && messageBytes(m) <= MAX_MESSAGE_BYTES)).toBe(true);
    expect(messages.flatMap((m) => itemsOf(m).map(itemId)).sort()).toEqual(answered.map((a) => a.id).sort());
    expect(send.mock.calls.every(([batch]) => [...batch].length <= 100)).toBe(true);
    const ids = answered.map((a) => a.id);
    const { results } = await env.LEDGER.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE id IN (SELECT value FROM json_each(?))`)
      .bind(JSON.stringify(ids))
      .all<{ n: number }>();
    expect(results[0]!.n).toBe(500);
  });

  it("packs big items into messages under the queue's size limit, and stores one row per item", async () => {
    const send = vi.spyOn(env.EVENTS, 'sendBatch');
    // ~25 KB per purchase: 50 of them would be ~1.2 MB, far over one 128 KB queue message.
    const products = Array.from({ length: 100 }, (_, i) => ({ id: `p${i}`, name: 'n'.repeat(200), quantity: 1 }));
    const items = Array.from({ length: 50 }, () => ({ kind: 'event', ...purchase({ products }) }));
    const res = await signedPost('/api/v1/batch', { items });
    expect(res.status).toBe(202);
    const messages = send.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body));
    expect(messages.length).toBeGreaterThanOrEqual(10);
    expect(messages.every((m) => m.kind === 'events' && messageBytes(m) <= MAX_MESSAGE_BYTES)).toBe(true);
    expect(messages.flatMap((m) => itemsOf(m).map(itemId))).toEqual((res.body.items as { id: string }[]).map((i) => i.id));
    // sendBatch's own limit (256 KB a call) holds too.
    expect(send.mock.calls.every(([batch]) => [...batch].reduce((n, m) => n + messageBytes(m.body), 0) <= 256_000)).toBe(true);
    const stored = await row((res.body.items as { id: string }[])[7]!.id);
    expect(JSON.parse(stored!.payload)).toMatchObject({ kind: 'event', event: { type: 'purchase' } });
  });

  it('refuses 501 items with 400', async () => {
    const items = Array.from({ length: 501 }, () => ({ kind: 'contact', email: 'x@example.com' }));
    const res = await signedPost('/api/v1/batch', { items });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('items: must contain at most 500 items per batch');
  });

  it('names the item index of a bad item and records nothing of the batch', async () => {
    const good = purchase();
    const res = await signedPost('/api/v1/batch', {
      items: [
        { kind: 'event', ...good },
        { kind: 'event', ...purchase({ type: 'return' }) },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('items[1].returnId: is required');
    expect(await row(purchaseId(good.orderId))).toBeNull();
    const badKind = await signedPost('/api/v1/batch', { items: [{ kind: 'order' }] });
    expect(badKind.body.error).toBe('items[0].kind: must be "event" or "contact"');
  });

  it('answers duplicates per item: already accepted, or repeated within the batch', async () => {
    const known = purchase();
    await signedPost('/api/v1/events', known);
    const fresh = purchase();
    const res = await signedPost('/api/v1/batch', {
      items: [
        { kind: 'event', ...known },
        { kind: 'event', ...fresh },
        { kind: 'event', ...fresh },
      ],
    });
    expect(res.status).toBe(202);
    expect((res.body.items as { status: string }[]).map((i) => i.status)).toEqual(['duplicate', 'queued', 'duplicate']);
    const allDuplicates = await signedPost('/api/v1/batch', { items: [{ kind: 'event', ...known }] });
    expect(allDuplicates.status).toBe(200);
  });

  it('refuses an item too large for one queue message, naming it', async () => {
    const products = Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, name: 'n'.repeat(200), quantity: 1 }));
    const res = await signedPost('/api/v1/batch', {
      items: [
        { kind: 'contact', email: 'a@example.com' },
        { kind: 'event', ...purchase({ products }) },
      ],
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/^items\[1\]: is too large/);
  });

  it('answers an item too large once normalised as /events answers the same event (413)', async () => {
    const products = Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, name: 'n'.repeat(200), quantity: 1 }));
    const input = purchase({ products });
    const alone = await signedPost('/api/v1/events', input);
    const inBatch = await signedPost('/api/v1/batch', { items: [{ kind: 'event', ...input }] });
    expect(alone.status).toBe(413);
    expect(inBatch.status).toBe(alone.status);
    expect(inBatch.body.error).toBe(`items[0]: ${alone.body.error!.replace(/^body: /, '')}`);
  });

  it('writes the consents of a batch concurrently, the last choice per address winning', async () => {
    let open = 0;
    let most = 0;
    const kv = env.CONSENTS;
    const counted = new Proxy(kv, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          open += 1;
          most = Math.max(most, open);
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            open -= 1;
          }
        };
      },
    });
    const tag = crypto.randomUUID().slice(0, 8);
    const emails = Array.from({ length: 20 }, (_, i) => `batch-kv-${tag}-${i}@example.com`);
    const items = [
      ...emails.map((email) => ({ kind: 'contact', email, newsletter: 'subscribe' })),
      // The same address again, later in the batch: its last choice is the one stored.
      { kind: 'contact', email: emails[0], newsletter: 'unsubscribe' },
    ];
    const res = await signedPost('/api/v1/batch', { items }, { bindings: { ...env, CONSENTS: counted } as Env });
    expect(res.status).toBe(202);
    expect(most).toBeGreaterThan(1);
    expect((await readConsent(kv, emails[0]!))?.status).toBe('opt-out');
    for (const email of emails.slice(1)) expect((await readConsent(kv, email))?.status).toBe('opt-in');
  });

  it('marks the rows of a refused queue send as failed / "queue unavailable" and still answers 202', async () => {
    vi.spyOn(env.EVENTS, 'sendBatch').mockRejectedValue(new Error('queue down'));
    const input = purchase();
    const res = await signedPost('/api/v1/batch', { items: [{ kind: 'event', ...input }] });
    expect(res.status).toBe(202);
    expect(await row(purchaseId(input.orderId))).toMatchObject({ status: 'failed', last_error: 'queue unavailable' });
  });
});
