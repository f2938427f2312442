// The client against the SALESmanago simulator (contract C), over real HTTP from workerd.
// The simulator is shared with other test files running at the same time: every test uses its own
// e-mails, nothing here resets it, and faults are set only on /api/contact/hasContact (which the
// delivery code never calls), merged into whatever else is configured and removed afterwards.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { authFields } from './auth.ts';
import { PATHS, SalesmanagoClient, SalesmanagoError } from './client.ts';
import { readConfig } from '../config.ts';
import type { ContactUpsert, EventItem, SalesmanagoConfig } from './types.ts';

const maybeConfig = readConfig(env).salesmanago;
if (!maybeConfig) throw new Error('the worker test env does not configure SALESmanago');
const config: SalesmanagoConfig = maybeConfig;
const SIM = config.endpoint;
const NOW = Date.now();

interface SimContact {
  contactId: string;
  email: string;
  optIn: string;
  tags: string[];
  lang?: string;
  name?: string;
  doubleOptIn?: { emailId?: string; language?: string };
}
interface SimEvent {
  eventId: string;
  contactId: string;
  email: string;
  contactExtEventType: string;
  date: number;
  externalId?: string;
  description?: string;
  products?: string;
  value?: number;
  location?: string;
  details: Record<string, string>;
  updates: number;
}
interface SimCall {
  seq: number;
  path: string;
  status: number;
  ok: boolean;
  items: number;
  fault?: string;
}

async function simState(): Promise<{ contacts: SimContact[]; events: SimEvent[] }> {
  return (await fetch(`${SIM}/__sim/state`)).json();
}
async function simCalls(since: number): Promise<SimCall[]> {
  return (await fetch(`${SIM}/__sim/calls?since=${since}`)).json();
}
async function lastSeq(): Promise<number> {
  const calls = await simCalls(0);
  return calls.at(-1)?.seq ?? 0;
}
async function contactOf(email: string): Promise<SimContact | undefined> {
  return (await simState()).contacts.find((c) => c.email === email);
}
async function eventsOf(email: string): Promise<SimEvent[]> {
  return (await simState()).events.filter((e) => e.email === email);
}

// Faults replace the simulator's whole configuration: read, change only our path, write back.
async function setFault(path: string, rule: Record<string, number> | null): Promise<void> {
  const current = (await (await fetch(`${SIM}/__sim/faults`)).json()) as Record<string, unknown>;
  if (rule) current[path] = rule;
  else delete current[path];
  const res = await fetch(`${SIM}/__sim/faults`, { method: 'POST', body: JSON.stringify(current) });
  expect(res.status).toBe(200);
}

let n = 0;
function uniqueEmail(label: string): string {
  n += 1;
  return `${label}.${n}.${crypto.randomUUID().slice(0, 8)}@client-test.example.com`;
}

const client = new SalesmanagoClient(config);

async function failure(promise: Promise<unknown>): Promise<SalesmanagoError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(SalesmanagoError);
    return err as SalesmanagoError;
  }
  throw new Error('expected the call to fail');
}

describe('auth against the simulator', () => {
  it('is accepted with sha1(apiKey + clientId + apiSecret) and rejected with a wrong sha', async () => {
    const email = uniqueEmail('auth');
    const send = async (sha?: string) => {
      const auth = await authFields(config);
      const body = { ...auth, ...(sha ? { sha } : {}), owner: config.owner, email };
      const res = await fetch(`${SIM}${PATHS.hasContact}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json;charset=UTF-8' },
        body: JSON.stringify(body),
      });
      return res.json<{ success: boolean; message: string[] }>();
    };
    expect(await send()).toMatchObject({ success: true });
    expect(await send('0'.repeat(40))).toMatchObject({ success: false, message: ['Not authenticated'] });
  });

  it('reports a wrong secret as permanent, without the secret or the sha in the error', async () => {
    const wrong = new SalesmanagoClient({ ...config, apiSecret: 'a-wrong-api-secret-value' });
    const err = await failure(wrong.upsertContact({ email: uniqueEmail('wrong'), consent: 'no-change' }));
    expect(err.kind).toBe('permanent');
    expect(err.messages.join(' ')).toMatch(/Not authenticated/);
    expect(err.message).not.toContain('a-wrong-api-secret-value');
    expect(err.message).not.toMatch(/[0-9a-f]{40}/);
    expect(err.path).toBe(PATHS.upsert);
  });

  it('reports an unknown owner as permanent', async () => {
    const other = new SalesmanagoClient({ ...config, owner: 'nobody@elsewhere.example.com' });
    const err = await failure(other.hasContact(uniqueEmail('owner')));
    expect(err.kind).toBe('permanent');
    expect(err.messages.join(' ')).toMatch(/Owner/);
  });
});

describe('contacts', () => {
  it('upserts a contact with normalised fields and consent, and finds it with hasContact', async () => {
    const email = uniqueEmail('upsert');
    expect(await client.hasContact(email)).toBe(false);
    const c: ContactUpsert = {
      email: `  ${email.toUpperCase()} `,
      name: 'Jan Kowalski',
      lang: 'pl',
      tags: ['newsletter', 'Guest purchase', 'NEWSLETTER'],
      consent: 'subscribe',
    };
    const { contactId, truncations } = await client.upsertContact(c);
    expect(contactId).toMatch(/\S/);
    expect(truncations).toEqual([]);
    expect(await contactOf(email)).toMatchObject({
      contactId,
      name: 'Jan Kowalski',
      lang: 'PL',
      tags: ['NEWSLETTER', 'GUEST_PURCHASE'],
      optIn: 'opt-in',
    });
    expect(await client.hasContact(email.toUpperCase())).toBe(true);

    // "no-change" leaves the opt-in alone; "unsubscribe" opts out; the contactId stays the same.
    expect((await client.upsertContact({ email, consent: 'no-change' })).contactId).toBe(contactId);
    expect((await contactOf(email))?.optIn).toBe('opt-in');
    await client.upsertContact({ email, consent: 'unsubscribe' });
    expect((await contactOf(email))?.optIn).toBe('opt-out');
  });

  it('starts API double opt-in only on subscribe', async () => {
    const email = uniqueEmail('doi');
    await client.upsertContact({ email, consent: 'no-change', doubleOptIn: { emailId: 'tpl-9' } });
    expect((await contactOf(email))?.optIn).toBe('unknown');
    await client.upsertContact({ email, consent: 'subscribe', doubleOptIn: { emailId: 'tpl-9', language: 'PL' } });
    expect(await contactOf(email)).toMatchObject({ optIn: 'pending', doubleOptIn: { emailId: 'tpl-9', language: 'PL' } });
  });

  it('reports a validation failure as permanent with SALESmanago messages', async () => {
    const err = await failure(client.upsertContact({ email: 'not an e-mail', consent: 'no-change' }));
    expect(err.kind).toBe('permanent');
    expect(err.messages.join(' ')).toMatch(/contact\.email/);
  });

  it('batch-upserts in chunks of 400; an invalid contact fails only its own chunk', async () => {
    const emails = Array.from({ length: 900 }, (_, i) => uniqueEmail(`batch${i}`));
    const contacts: ContactUpsert[] = emails.map((email) => ({ email, consent: 'no-change', lang: 'english' }));
    contacts[500] = { email: 'broken@', consent: 'no-change' };
    const results = await client.batchUpsertContacts(contacts);
    expect(results.map((r) => [r.start, r.end, r.ok])).toEqual([
      [0, 400, true],
      [400, 800, false],
      [800, 900, true],
    ]);
    const [first, second, third] = results;
    if (!first?.ok || second?.ok !== false || !third?.ok) throw new Error('unexpected chunk results');
    expect(Object.keys(first.value.contactIds).sort()).toEqual(emails.slice(0, 400).sort());
    expect(Object.keys(third.value.contactIds)).toHaveLength(100);
    expect(second.error.kind).toBe('permanent');
    expect(second.error.messages.join(' ')).toMatch(/upsertDetails\[100\]/);
    // The unsendable language is recorded per item, with the item's index in the caller's array.
    expect(first.truncations[0]).toEqual({ field: 'lang', from: 7, to: 0, kind: 'dropped', item: 0 });
    expect(third.truncations.map((t) => t.item)).toEqual(Array.from({ length: 100 }, (_, i) => 800 + i));
    expect(await contactOf(emails[399] as string)).toBeDefined();
    expect(await contactOf(emails[450] as string)).toBeUndefined();
  });
});

describe('events', () => {
  it('adds an event by e-mail and by contactId, then updates it by eventId', async () => {
    const email = uniqueEmail('event');
    const { contactId } = await client.upsertContact({ email, consent: 'no-change' });
    const added = await client.addEvent({
      contact: { email },
      event: { contactExtEventType: 'CART', date: NOW, products: 'p1,p2', value: 20, location: 'sm_edge_demo', details: ['https://shop/cart'] },
    });
    const byId = await client.addEvent({
      contact: { contactId },
      event: { contactExtEventType: 'VISIT', date: NOW, description: 'home' },
    });
    expect(added.truncations).toEqual([]);
    const updated = await client.updateEvent(added.eventId, {
      contactExtEventType: 'CART',
      date: NOW + 1000,
      products: 'p1,p2,p3',
      value: 35.5,
    });
    expect(updated.eventId).toBe(added.eventId);
    const events = await eventsOf(email);
    expect(events).toHaveLength(2);
    expect(events.find((e) => e.eventId === added.eventId)).toMatchObject({
      contactId,
      contactExtEventType: 'CART',
      products: 'p1,p2,p3',
      value: 35.5,
      location: 'sm_edge_demo',
      details: { detail1: 'https://shop/cart' },
      updates: 1,
    });
    expect(events.find((e) => e.eventId === byId.eventId)).toMatchObject({ contactId, description: 'home' });
  });

  it('fits over-long fields so the call is accepted, and reports what changed', async () => {
    const email = uniqueEmail('limits');
    const { eventId, truncations } = await client.addEvent({
      contact: { email },
      event: {
        contactExtEventType: 'PURCHASE',
        date: Math.floor(NOW / 1000),
        externalId: `ORD-${'9'.repeat(300)}`,
        description: '😀'.repeat(1500),
        products: Array.from({ length: 80 }, (_, i) => `sku-${i}-xyz`).join(','),
        location: 'Not-Valid',
        details: Array.from({ length: 22 }, (_, i) => `${i + 1}:${'d'.repeat(i === 0 ? 400 : 3)}`),
      },
    });
    const [stored] = await eventsOf(email);
    expect(stored?.eventId).toBe(eventId);
    expect(stored?.date).toBe(Math.floor(NOW / 1000) * 1000);
    expect(stored?.externalId).toHaveLength(255);
    expect(stored?.description).toBe('😀'.repeat(1024));
    expect(stored?.products?.length).toBeLessThanOrEqual(512);
    expect(stored?.products?.split(',').at(-1)).toMatch(/^sku-\d+-xyz$/);
    expect(stored?.location).toBeUndefined();
    expect(stored?.details.detail1).toHaveLength(255);
    expect(stored?.details.detail20).toBe('20:ddd');
    expect(Object.keys(stored?.details ?? {})).toHaveLength(20);
    expect(truncations.map((t) => t.field).sort()).toEqual(['date', 'description', 'detail1', 'details', 'externalId', 'location', 'products'].sort());
  });

  it('refuses an unknown event type before any HTTP call', async () => {
    let calls = 0;
    const counting = new SalesmanagoClient(config, (input, init) => {
      calls += 1;
      return fetch(input, init);
    });
    const err = await failure(counting.addEvent({ contact: { email: uniqueEmail('type') }, event: { contactExtEventType: 'SALE' as 'PURCHASE', date: NOW } }));
    expect(err.kind).toBe('permanent');
    expect(calls).toBe(0);
  });

  it('reports updating an unknown eventId as permanent', async () => {
    const err = await failure(client.updateEvent('no-such-event', { contactExtEventType: 'CART', date: NOW }));
    expect(err.kind).toBe('permanent');
    expect(err.messages.join(' ')).toMatch(/Event not found/);
  });

  it('batch-adds 900 events in 3 calls, one result per chunk', async () => {
    const email = uniqueEmail('bulk');
    const items: EventItem[] = Array.from({ length: 900 }, (_, i) => ({
      contact: { email },
      event: { contactExtEventType: 'VISIT', date: NOW + i, externalId: `v-${i}`, description: i === 850 ? 'x'.repeat(2100) : 'v' },
    }));
    const since = await lastSeq();
    const results = await client.batchAddEvents(items);
    expect(results).toEqual([
      { start: 0, end: 400, truncations: [], ok: true, value: { created: 400, failed: [], failedAmount: 0, unnamedFailures: 0 } },
      { start: 400, end: 800, truncations: [], ok: true, value: { created: 400, failed: [], failedAmount: 0, unnamedFailures: 0 } },
      {
        start: 800,
        end: 900,
        truncations: [{ field: 'description', from: 2100, to: 2048, kind: 'shortened', item: 850 }],
        ok: true,
        value: { created: 100, failed: [], failedAmount: 0, unnamedFailures: 0 },
      },
    ]);
    const batchCalls = (await simCalls(since)).filter((c) => c.path === PATHS.batchAddEvents && c.ok);
    expect(batchCalls.map((c) => c.items)).toEqual(expect.arrayContaining([400, 400, 100]));
    const stored = await eventsOf(email);
    expect(new Set(stored.map((e) => e.externalId)).size).toBe(900);
  });

  it('reports items the server refused in failed, and a failed chunk leaves the others ok', async () => {
    const email = uniqueEmail('partial');
    const items: EventItem[] = Array.from({ length: 820 }, (_, i) => ({
      contact: i === 7 ? { contactId: 'unknown-contact-id' } : { email },
      event: { contactExtEventType: 'VISIT', date: NOW, externalId: `p-${i}` },
    }));
    items[810] = { contact: { email }, event: { contactExtEventType: 'VISITED' as 'VISIT', date: NOW } };
    // The second chunk's connection is lost: a network failure for that chunk only.
    let call = 0;
    const flaky = new SalesmanagoClient(config, (input, init) => {
      call += 1;
      return call === 2 ? lostConnection() : fetch(input, init);
    });
    const results = await flaky.batchAddEvents(items);
    expect(results.map((r) => [r.start, r.end, r.ok])).toEqual([
      [0, 400, true],
      [400, 800, false],
      [800, 820, false],
    ]);
    const [first, second, third] = results;
    expect(first?.ok && first.value).toEqual({ created: 399, failed: ['unknown-contact-id'], failedAmount: 1, unnamedFailures: 0 });
    expect(second?.ok === false && second.error.kind).toBe('transient');
    expect(second?.ok === false && second.error.messages[0]).toMatch(/network error/);
    // The third chunk held a bad type: refused before sending, naming the item.
    expect(third?.ok === false && third.error.kind).toBe('permanent');
    expect(third?.ok === false && third.error.messages[0]).toMatch(/item 810/);
    expect(call).toBe(2);
    expect(await eventsOf(email)).toHaveLength(399);
  });
});

// Tests in a file run one after another (no .concurrent here), so one fault at a time.
describe('failure classes', () => {
  const path = PATHS.hasContact;
  afterEach(() => setFault(path, null));

  it('HTTP 5xx is transient', async () => {
    await setFault(path, { errorRate: 1 });
    const err = await failure(client.hasContact(uniqueEmail('5xx')));
    expect(err.kind).toBe('transient');
    expect([500, 502, 503]).toContain(err.status);
  });

  it('HTTP 429 is transient with Retry-After in seconds', async () => {
    await setFault(path, { rate429: 1, retryAfterS: 7 });
    const err = await failure(client.hasContact(uniqueEmail('429')));
    expect(err).toMatchObject({ kind: 'transient', status: 429, retryAfterS: 7 });
  });

  it('a malformed reply is transient', async () => {
    await setFault(path, { malformedRate: 1 });
    for (let i = 0; i < 3; i++) {
      const err = await failure(client.hasContact(uniqueEmail('malformed')));
      expect(err.kind).toBe('transient');
      expect(err.messages[0]).toMatch(/malformed reply/);
    }
  });

  it('no answer is a transient timeout', async () => {
    await setFault(path, { hangRate: 1 });
    const impatient = new SalesmanagoClient({ ...config, timeoutMs: 300 });
    const err = await failure(impatient.hasContact(uniqueEmail('hang')));
    expect(err.kind).toBe('transient');
    expect(err.messages[0]).toMatch(/timeout/);
  });

  it('a closed port is a transient network error', async () => {
    const nowhere = new SalesmanagoClient({ ...config, endpoint: 'http://127.0.0.1:9' }, lostConnection);
    const err = await failure(nowhere.hasContact(uniqueEmail('net')));
    expect(err.kind).toBe('transient');
    expect(err.messages[0]).toMatch(/network error/);
  });
});

// What workerd's fetch rejects with when the port is closed. A real fetch to a closed port would do
// the same, but workerd also logs it as an "uncaught exception" with a native stack even though the
// client handles it, and a passing `npm test` must print no stack traces.
function lostConnection(): Promise<Response> {
  return Promise.reject(new Error('Network connection lost.'));
}
