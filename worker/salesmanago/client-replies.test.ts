// What the client sends and how it reads replies the simulator never gives (redirects, busy
// messages, echoed secrets...), through a fetcher that records the request and answers in-process.
import { describe, expect, it } from 'vitest';
import { sha1Hex } from './auth.ts';
import { PATHS, SalesmanagoClient, SalesmanagoError } from './client.ts';
import type { SalesmanagoConfig } from './types.ts';

const config: SalesmanagoConfig = {
  endpoint: 'https://app3.salesmanago.test',
  clientId: 'client42',
  apiSecret: 'super-secret-value',
  owner: 'owner@shop.test',
  timeoutMs: 2000,
};

interface Sent {
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
}

// Responses are built inside the fetcher: workerd refuses a Response made in another request context.
function fake(answer: (sent: Sent) => { status?: number; body: string; headers?: Record<string, string> }) {
  const sent: Sent[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const s: Sent = { url: String(input), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) };
    sent.push(s);
    const a = answer(s);
    return new Response(a.body, { status: a.status ?? 200, headers: a.headers ?? {} });
  }) as typeof fetch;
  return { sent, client: new SalesmanagoClient(config, fetcher) };
}

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) => ({
  status,
  body: JSON.stringify(value),
  headers,
});

async function failure(promise: Promise<unknown>): Promise<SalesmanagoError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(SalesmanagoError);
    return err as SalesmanagoError;
  }
  throw new Error('expected the call to fail');
}

describe('requests', () => {
  it('carry the auth fields, owner, JSON headers and a fresh apiKey each time', async () => {
    const { sent, client } = fake(() => json({ success: true, message: [], contactId: 'c-1' }));
    await client.upsertContact({ email: 'A@B.pl', consent: 'subscribe' });
    await client.upsertContact({ email: 'a@b.pl', consent: 'subscribe' });
    const [first, second] = sent;
    if (!first || !second) throw new Error('two requests expected');
    expect(first.url).toBe(`${config.endpoint}${PATHS.upsert}`);
    expect(first.headers.get('Accept')).toBe('application/json');
    expect(first.headers.get('Content-Type')).toBe('application/json;charset=UTF-8');
    const { apiKey, sha, requestTime } = first.body;
    expect(first.body).toMatchObject({ clientId: 'client42', owner: 'owner@shop.test', contact: { email: 'a@b.pl' } });
    expect(sha).toBe(await sha1Hex(`${String(apiKey)}client42super-secret-value`));
    expect(requestTime).toBeGreaterThan(1e12);
    expect(second.body.apiKey).not.toBe(apiKey);
  });

  it('put owner at the top level and in every upsertDetail of a batch', async () => {
    const { sent, client } = fake((s) => {
      const details = s.body.upsertDetails as { contact: { email: string } }[];
      return json({ success: true, message: [], contactIds: Object.fromEntries(details.map((d, i) => [d.contact.email.toUpperCase(), `id${i}`])) });
    });
    const results = await client.batchUpsertContacts([
      { email: 'x@y.pl', consent: 'no-change' },
      { email: 'z@y.pl', consent: 'unsubscribe' },
    ]);
    const body = sent[0]?.body as { owner: string; upsertDetails: Record<string, unknown>[] };
    expect(body.owner).toBe(config.owner);
    expect(body).toMatchObject({ useApiDoubleOptIn: false });
    expect(body.upsertDetails.map((d) => d.owner)).toEqual([config.owner, config.owner]);
    expect(body.upsertDetails[1]).toMatchObject({ forceOptOut: true, forcePhoneOptOut: false, forceOptIn: false });
    // contactIds come back keyed by the lower-cased e-mail whatever the server's spelling.
    expect(results).toEqual([{ start: 0, end: 2, truncations: [], ok: true, value: { contactIds: { 'x@y.pl': 'id0', 'z@y.pl': 'id1' } } }]);
  });

  it('send a subscribe under double opt-in as its own single upsert with the DOI fields on top; batches never ask for DOI', async () => {
    const { sent, client } = fake((s) =>
      s.url.endsWith(PATHS.upsert)
        ? json({ success: true, contactId: 'c-doi' })
        : json({
            success: true,
            contactIds: Object.fromEntries((s.body.upsertDetails as { contact: { email: string } }[]).map((d) => [d.contact.email, `c-${d.contact.email}`])),
          }),
    );
    const doi = { emailId: 'tpl-1', language: 'PL' };
    const results = await client.batchUpsertContacts([
      { email: 'a@y.pl', consent: 'no-change' },
      { email: 'b@y.pl', consent: 'subscribe', doubleOptIn: doi },
      { email: 'c@y.pl', consent: 'subscribe' },
      { email: 'd@y.pl', consent: 'unsubscribe', doubleOptIn: doi },
    ]);
    expect(sent.map((x) => x.url.slice(config.endpoint.length))).toEqual([PATHS.batchUpsert, PATHS.upsert, PATHS.batchUpsert]);
    const [batch1, single, batch2] = sent;
    expect(single?.body).toMatchObject({
      contact: { email: 'b@y.pl' },
      forceOptIn: true,
      forceOptOut: false,
      forcePhoneOptIn: false,
      forcePhoneOptOut: false,
      useApiDoubleOptIn: true,
      doubleOptInEmailId: 'tpl-1',
      doubleOptInLanguage: 'PL',
    });
    for (const b of [batch1, batch2]) {
      expect(b?.body.useApiDoubleOptIn).toBe(false);
      for (const item of b!.body.upsertDetails as Record<string, unknown>[]) {
        expect(Object.keys(item).filter((k) => /doubleoptin/i.test(k))).toEqual([]);
      }
    }
    expect(results.map((r) => [r.start, r.end, r.ok])).toEqual([
      [0, 1, true],
      [1, 2, true],
      [2, 4, true],
    ]);
    expect(results[1]?.ok && results[1].value).toEqual({ contactIds: { 'b@y.pl': 'c-doi' } });
  });

  it('send batch events as {events:[{email|contactId, contactEvent}]} with owner on top', async () => {
    const { sent, client } = fake(() => json({ success: true, message: [], createdAmount: 1, failedAmount: 1, failedContacts: [{ contactId: 'gone' }] }));
    const [result] = await client.batchAddEvents([
      { contact: { email: ' Q@W.pl' }, event: { contactExtEventType: 'VISIT', date: 1_760_000_000_000 } },
      { contact: { contactId: 'gone' }, event: { contactExtEventType: 'LOGIN', date: 1_760_000_000_000 } },
    ]);
    expect(sent[0]?.url).toBe(`${config.endpoint}${PATHS.batchAddEvents}`);
    expect(sent[0]?.body).toMatchObject({
      owner: config.owner,
      events: [
        { email: 'q@w.pl', contactEvent: { contactExtEventType: 'VISIT', date: 1_760_000_000_000 } },
        { contactId: 'gone', contactEvent: { contactExtEventType: 'LOGIN' } },
      ],
    });
    expect(result).toMatchObject({ ok: true, value: { created: 1, failed: ['gone'], failedAmount: 1, unnamedFailures: 0 } });
  });

  it('update an event with contactEvent.eventId', async () => {
    const { sent, client } = fake(() => json({ success: true, message: [], eventId: 'ev-7' }));
    await client.updateEvent('ev-7', { contactExtEventType: 'CART', date: 1_760_000_000_000, value: 5 });
    expect(sent[0]?.url).toBe(`${config.endpoint}${PATHS.updateEvent}`);
    expect(sent[0]?.body.contactEvent).toEqual({ eventId: 'ev-7', contactExtEventType: 'CART', date: 1_760_000_000_000, value: 5 });
  });
});

describe('replies', () => {
  it('success:false that says the server is busy is transient; otherwise permanent', async () => {
    const busy = fake(() => json({ success: false, message: ['Server is temporarily unavailable'] }));
    expect((await failure(busy.client.hasContact('a@b.pl'))).kind).toBe('transient');
    const invalid = fake(() => json({ success: false, message: ['Invalid email'] }));
    const err = await failure(invalid.client.hasContact('a@b.pl'));
    expect(err).toMatchObject({ kind: 'permanent', messages: ['Invalid email'], status: 200, path: PATHS.hasContact });
  });

  it('classifies HTTP 408 as transient and other 4xx as permanent, keeping the messages', async () => {
    expect((await failure(fake(() => json({}, 408)).client.hasContact('a@b.pl'))).kind).toBe('transient');
    const err = await failure(fake(() => json({ success: false, message: ['Bad request'] }, 400)).client.hasContact('a@b.pl'));
    expect(err).toMatchObject({ kind: 'permanent', status: 400, messages: ['Bad request'] });
  });

  it('reads Retry-After as an HTTP date on a 503', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    const err = await failure(fake(() => ({ status: 503, body: '<html>down</html>', headers: { 'Retry-After': at } })).client.hasContact('a@b.pl'));
    expect(err.kind).toBe('transient');
    expect(err.retryAfterS).toBeGreaterThan(100);
    expect(err.retryAfterS).toBeLessThanOrEqual(120);
  });

  it('takes success:true as stored even when the expected fields are missing (minimal replies)', async () => {
    const minimal = () => fake(() => json({ success: true }));
    expect(await minimal().client.upsertContact({ email: 'a@b.pl', consent: 'no-change' })).toEqual({ contactId: '', truncations: [] });
    expect(await minimal().client.batchUpsertContacts([{ email: 'a@b.pl', consent: 'no-change' }])).toEqual([
      { start: 0, end: 1, truncations: [], ok: true, value: { contactIds: {} } },
    ]);
    const event = { contactExtEventType: 'VISIT' as const, date: 1_760_000_000_000 };
    expect(await minimal().client.addEvent({ contact: { email: 'a@b.pl' }, event })).toEqual({ eventId: '', truncations: [] });
    const [batch] = await minimal().client.batchAddEvents([
      { contact: { email: 'a@b.pl' }, event },
      { contact: { email: 'c@b.pl' }, event },
    ]);
    expect(batch).toMatchObject({ ok: true, value: { created: 2, failed: [], failedAmount: 0, unnamedFailures: 0 } });
    // "Test connection": success:true passes; result, else a contactId, says whether the contact exists.
    expect(await minimal().client.hasContact('a@b.pl')).toBe(false);
    expect(await fake(() => json({ success: true, contactId: 'c-9' })).client.hasContact('a@b.pl')).toBe(true);
    // An event stored without an id cannot be updated: refused before any call, so the caller adds anew.
    const none = fake(() => json({ success: true }));
    expect((await failure(none.client.updateEvent('', event))).kind).toBe('permanent');
    expect(none.sent).toHaveLength(0);
  });

  it('cross-checks failedAmount with failedContacts: only named contacts failed, the rest reported', async () => {
    const event = { contactExtEventType: 'VISIT' as const, date: 1_760_000_000_000 };
    const { client } = fake(() => json({ success: true, createdAmount: 1, failedAmount: 2, failedContacts: ['b@b.pl'] }));
    const [r] = await client.batchAddEvents([
      { contact: { email: 'a@b.pl' }, event },
      { contact: { email: 'b@b.pl' }, event },
      { contact: { email: 'c@b.pl' }, event },
    ]);
    expect(r).toMatchObject({ ok: true, value: { created: 1, failed: ['b@b.pl'], failedAmount: 2, unnamedFailures: 1 } });
  });

  it('follows a 307/308 once, with the same POST body, to where it points', async () => {
    for (const status of [307, 308]) {
      const { sent, client } = fake((s) =>
        s.url.startsWith('https://app3.')
          ? { status, body: '', headers: { Location: 'https://app5.salesmanago.test/api/contact/hasContact' } }
          : json({ success: true, result: true }),
      );
      expect(await client.hasContact('a@b.pl')).toBe(true);
      expect(sent.map((x) => x.url)).toEqual([`${config.endpoint}${PATHS.hasContact}`, 'https://app5.salesmanago.test/api/contact/hasContact']);
      expect(sent[1]?.body).toEqual(sent[0]?.body);
    }
    // A second redirect is not followed.
    const loop = fake(() => ({ status: 307, body: '', headers: { Location: '/elsewhere' } }));
    const err = await failure(loop.client.hasContact('a@b.pl'));
    expect(loop.sent).toHaveLength(2);
    expect(err).toMatchObject({ kind: 'transient', status: 307 });
  });

  it('reports other redirects as a transient endpoint problem naming the new address', async () => {
    for (const status of [301, 302, 303]) {
      const { sent, client } = fake(() => ({ status, body: '', headers: { Location: 'https://www.salesmanago.com/api/contact/hasContact' } }));
      const err = await failure(client.hasContact('a@b.pl'));
      expect(err.kind).toBe('transient');
      expect(err.maybeStored).toBe(false);
      expect(err.messages[0]).toMatch(/redirects to https:\/\/www\.salesmanago\.com.*SALESMANAGO_ENDPOINT/);
      expect(sent).toHaveLength(1);
    }
  });

  it('says which failures may have been stored (timeouts, 5xx, lost connections) and which not', async () => {
    expect((await failure(fake(() => ({ status: 502, body: '<html/>' })).client.hasContact('a@b.pl'))).maybeStored).toBe(true);
    expect((await failure(fake(() => json({ success: false }, 429)).client.hasContact('a@b.pl'))).maybeStored).toBe(false);
    expect((await failure(fake(() => json({ success: false, message: ['Invalid'] })).client.hasContact('a@b.pl'))).maybeStored).toBe(false);
    const slow = new SalesmanagoClient(
      { ...config, timeoutMs: 50 },
      ((_: unknown, init?: RequestInit) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch,
    );
    const err = await failure(slow.hasContact('a@b.pl'));
    expect(err).toMatchObject({ kind: 'transient', maybeStored: true });
  });

  it('never repeats the secret or the sha, even when the server echoes them', async () => {
    const { client } = fake((s) => json({ success: false, message: [`bad sha ${String(s.body.sha)} for super-secret-value`] }));
    const err = await failure(client.hasContact('a@b.pl'));
    expect(err.message).toBe(`SALESmanago ${PATHS.hasContact} (HTTP 200): bad sha [redacted] for [redacted]`);
  });

  it('turns a fetcher failure into a transient network error; batches still never throw', async () => {
    const client = new SalesmanagoClient(config, (async () => {
      throw new TypeError('Network connection lost.');
    }) as typeof fetch);
    const results = await client.batchAddEvents([{ contact: { email: 'a@b.pl' }, event: { contactExtEventType: 'VISIT', date: 1_760_000_000_000 } }]);
    expect(results).toHaveLength(1);
    expect(results[0]?.ok === false && results[0].error).toMatchObject({ kind: 'transient', messages: ['network error: Network connection lost.'] });
    expect(await client.batchAddEvents([])).toEqual([]);
  });
});
