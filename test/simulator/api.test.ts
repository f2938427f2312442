// The legacy JSON methods: happy paths and every class of request SALESmanago rejects.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './server.ts';
import { authFields, contactEvent, post, TEST_ACCOUNT } from './signed-request.ts';

let sim: Simulator;
const upsertBody = (email: string, extra: Record<string, unknown> = {}) => ({ contact: { email, name: 'Ann' }, ...extra });

beforeEach(async () => {
  sim ??= await startSimulator({ accounts: [TEST_ACCOUNT] });
  sim.reset();
});
afterAll(() => sim.close());

describe('happy paths', () => {
  it('upsert creates a contact and answers its contactId', async () => {
    const reply = await post(sim.url, '/api/contact/upsert', upsertBody('Ann@Example.com', { tags: ['A'], lang: 'PL' }));
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ success: true, message: [] });
    const [contact] = sim.state().contacts;
    expect(contact).toMatchObject({ email: 'ann@example.com', name: 'Ann', lang: 'PL', tags: ['A'], owner: TEST_ACCOUNT.owner });
    expect(reply.json.contactId).toBe(contact?.contactId);
    const again = await post(sim.url, '/api/contact/upsert', upsertBody('ann@example.com'));
    expect(again.json.contactId).toBe(contact?.contactId);
  });

  it('batchupsert stores every contact and maps e-mails to contactIds', async () => {
    const reply = await post(sim.url, '/api/contact/batchupsert', { upsertDetails: [upsertBody('a@example.com'), upsertBody('B@example.com')] });
    expect(reply.json.success).toBe(true);
    const ids = reply.json.contactIds as Record<string, string>;
    expect(Object.keys(ids).sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(
      sim
        .state()
        .contacts.map((c) => c.contactId)
        .sort(),
    ).toEqual(Object.values(ids).sort());
  });

  it('addContactExtEvent stores the event (creating the contact) on v2 and v1 paths', async () => {
    for (const path of ['/api/v2/contact/addContactExtEvent', '/api/contact/addContactExtEvent']) {
      const event = contactEvent({ detail1: 'x', detail20: 'y', description: 'd', shopDomain: 'shop.example' });
      const reply = await post(sim.url, path, { email: 'new@example.com', contactEvent: event });
      expect(reply.json).toMatchObject({ success: true, message: [] });
      const stored = sim.state().events.find((e) => e.eventId === reply.json.eventId);
      expect(stored).toMatchObject({
        email: 'new@example.com',
        contactExtEventType: 'PURCHASE',
        externalId: event.externalId,
        date: event.date,
        value: 99.5,
        products: 'p1,p2',
        location: 'sm_edge_demo',
        description: 'd',
        shopDomain: 'shop.example',
        details: { detail1: 'x', detail20: 'y' },
        updates: 0,
      });
    }
    const state = sim.state();
    expect(state.contacts).toHaveLength(1);
    expect(state.contacts[0]?.optIn).toBe('unknown');
  });

  it('addContactExtEvent accepts a known contactId', async () => {
    const { json } = await post(sim.url, '/api/contact/upsert', upsertBody('c@example.com'));
    const reply = await post(sim.url, '/api/v2/contact/addContactExtEvent', { contactId: json.contactId, contactEvent: contactEvent() });
    expect(reply.json.success).toBe(true);
    expect(sim.state().events[0]?.contactId).toBe(json.contactId);
  });

  it('updateContactExtEvent changes the fields given and counts updates', async () => {
    const added = await post(sim.url, '/api/v2/contact/addContactExtEvent', {
      email: 'c@example.com',
      contactEvent: contactEvent({ contactExtEventType: 'CART', value: 1 }),
    });
    for (const path of ['/api/v2/contact/updateContactExtEvent', '/api/contact/updateContactExtEvent']) {
      const reply = await post(sim.url, path, { contactEvent: { eventId: added.json.eventId, value: 5, products: 'p9', detail2: 'z' } });
      expect(reply.json).toMatchObject({ success: true, eventId: added.json.eventId });
    }
    expect(sim.state().events[0]).toMatchObject({ contactExtEventType: 'CART', value: 5, products: 'p9', details: { detail2: 'z' }, updates: 2 });
    expect(sim.state().counts.eventUpdates).toBe(2);
  });

  it('addBatchContactExtEvent stores valid items and lists the failed ones', async () => {
    const reply = await post(sim.url, '/api/v2/contact/addBatchContactExtEvent', {
      events: [
        { email: 'a@example.com', contactEvent: contactEvent() },
        { email: 'not-an-email', contactEvent: contactEvent() },
        { contactId: 'no-such-contact', contactEvent: contactEvent() },
        { email: 'b@example.com', contactEvent: contactEvent({ contactExtEventType: 'NOPE' }) },
        { email: 'b@example.com', contactEvent: contactEvent({ contactExtEventType: 'VISIT' }) },
      ],
    });
    expect(reply.json).toMatchObject({
      success: true,
      createdAmount: 2,
      failedAmount: 3,
      failedContacts: ['not-an-email', 'no-such-contact', 'b@example.com'],
    });
    expect(sim.state().events.map((e) => e.email)).toEqual(['a@example.com', 'b@example.com']);
    expect((reply.json.message as string[]).some((m) => m.startsWith('events[3]: ') && m.includes('NOPE'))).toBe(true);
  });

  it('hasContact answers whether the contact exists', async () => {
    await post(sim.url, '/api/contact/upsert', upsertBody('known@example.com'));
    expect((await post(sim.url, '/api/contact/hasContact', { email: 'KNOWN@example.com' })).json).toMatchObject({ success: true, result: true });
    expect((await post(sim.url, '/api/contact/hasContact', { email: 'other@example.com' })).json).toMatchObject({ success: true, result: false });
  });
});

describe('rejections (HTTP 200, success:false, nothing stored)', () => {
  const path = '/api/v2/contact/addContactExtEvent';
  const eventBody = (overrides: Record<string, unknown> = {}) => ({ email: 'a@example.com', contactEvent: contactEvent(overrides) });

  async function expectRejected(body: unknown, message: RegExp, where = path, signed = true) {
    const reply = await post(sim.url, where, body, { signed });
    expect(reply.status).toBe(200);
    expect(reply.json.success).toBe(false);
    expect((reply.json.message as string[]).join(' | ')).toMatch(message);
    expect(sim.state().events).toHaveLength(0);
    expect(sim.state().contacts).toHaveLength(0);
    return reply;
  }

  it('wrong sha → Not authenticated, without echoing the sha', async () => {
    const auth = { ...authFields(), sha: 'a'.repeat(40) };
    const reply = await expectRejected({ ...auth, ...eventBody() }, /^Not authenticated$/, path, false);
    expect(reply.text).not.toContain('a'.repeat(40));
  });

  it('a sha made with another secret is rejected', async () => {
    const auth = authFields({ ...TEST_ACCOUNT, apiSecret: 'wrong' });
    await expectRejected({ ...auth, ...eventBody() }, /^Not authenticated$/, path, false);
  });

  it('unknown clientId', async () => {
    await expectRejected({ ...authFields({ ...TEST_ACCOUNT, clientId: 'someoneelse' }), ...eventBody() }, /unknown clientId/, path, false);
  });

  it('missing and unknown owner', async () => {
    const { owner: _owner, ...noOwner } = authFields();
    await expectRejected({ ...noOwner, ...eventBody() }, /owner is required/, path, false);
    await expectRejected({ ...authFields(), owner: 'stranger@example.com', ...eventBody() }, /Owner not found/, path, false);
  });

  it('missing apiKey or requestTime, and requestTime in seconds', async () => {
    const auth = authFields();
    const { apiKey: _k, ...noKey } = auth;
    await expectRejected({ ...noKey, ...eventBody() }, /apiKey is required/, path, false);
    const { requestTime: _t, ...noTime } = auth;
    await expectRejected({ ...noTime, ...eventBody() }, /requestTime is required/, path, false);
    await expectRejected({ ...auth, requestTime: Math.floor(Date.now() / 1000), ...eventBody() }, /milliseconds/, path, false);
  });

  it('unknown or lower-case contactExtEventType', async () => {
    await expectRejected(eventBody({ contactExtEventType: 'BOUGHT' }), /contactExtEventType is unknown/);
    await expectRejected(eventBody({ contactExtEventType: 'purchase' }), /contactExtEventType is unknown/);
  });

  it.each([
    ['description', 2048],
    ['products', 512],
    ['externalId', 255],
    ['shopDomain', 255],
    ['detail1', 255],
    ['detail20', 255],
  ])('%s longer than %i', async (field, max) => {
    const atLimit = await post(sim.url, path, eventBody({ [field]: 'x'.repeat(max) }));
    expect(atLimit.json.success).toBe(true);
    sim.reset();
    await expectRejected(eventBody({ [field]: 'x'.repeat(max + 1) }), new RegExp(`${field} is too long`));
  });

  it('detail21 (and detail0) are not allowed', async () => {
    await expectRejected(eventBody({ detail21: 'x' }), /detail21 is not allowed/);
    await expectRejected(eventBody({ detail0: 'x' }), /detail0 is not allowed/);
  });

  it.each(['1shop', 'ab', 'sh-op', 'a'.repeat(37)])('location %s', async (location) => {
    await expectRejected(eventBody({ location }), /location must match/);
  });

  it.each([
    'plain',
    'a@b',
    '@example.com',
    'a..b@example.com',
    'a b@example.com',
    `${'x'.repeat(65)}@example.com`,
    `a@${['d', 'e', 'f', 'g'].map((c) => c.repeat(62)).join('.')}.com`, // 257 characters
  ])('invalid e-mail %s', async (email) => {
    await expectRejected({ email, contactEvent: contactEvent() }, /email is not a valid e-mail/);
    await expectRejected({ contact: { email } }, /contact.email is not a valid e-mail/, '/api/contact/upsert');
  });

  it('event date not in milliseconds, or missing', async () => {
    await expectRejected(eventBody({ date: 1_760_000_000 }), /date must be a Unix time in milliseconds/);
    await expectRejected(eventBody({ date: '2025-10-09T10:00:00Z' }), /date must be/);
    await expectRejected(eventBody({ date: undefined }), /date is required/);
  });

  it('event with neither email nor contactId, or an unknown contactId', async () => {
    await expectRejected({ contactEvent: contactEvent() }, /email or contactId is required/);
    await expectRejected({ contactId: 'c0ffee', contactEvent: contactEvent() }, /Contact not found/);
  });

  it('update with an unknown or missing eventId', async () => {
    await expectRejected({ contactEvent: { eventId: 'nope', value: 1 } }, /Event not found/, '/api/v2/contact/updateContactExtEvent');
    await expectRejected({ contactEvent: { value: 1 } }, /eventId is required/, '/api/v2/contact/updateContactExtEvent');
  });

  it('update with an invalid field leaves the event untouched', async () => {
    const added = await post(sim.url, path, eventBody({ value: 1 }));
    const reply = await post(sim.url, '/api/v2/contact/updateContactExtEvent', {
      contactEvent: { eventId: added.json.eventId, value: 2, detail3: 'x'.repeat(256) },
    });
    expect(reply.json.success).toBe(false);
    expect(sim.state().events[0]).toMatchObject({ value: 1, updates: 0 });
  });

  it('batches over 400 items', async () => {
    const events = Array.from({ length: 401 }, () => ({ email: 'a@example.com', contactEvent: contactEvent() }));
    await expectRejected({ events }, /Too many events: 401/, '/api/v2/contact/addBatchContactExtEvent');
    const upsertDetails = Array.from({ length: 401 }, (_, i) => upsertBody(`u${i}@example.com`));
    await expectRejected({ upsertDetails }, /Too many upsertDetails/, '/api/contact/batchupsert');
    const ok = await post(sim.url, '/api/v2/contact/addBatchContactExtEvent', { events: events.slice(0, 400) });
    expect(ok.json).toMatchObject({ success: true, createdAmount: 400, failedAmount: 0 });
  });

  it('batchupsert with one invalid item stores nothing and names the item', async () => {
    await expectRejected({ upsertDetails: [upsertBody('ok@example.com'), upsertBody('bad')] }, /upsertDetails\[1\]: contact.email/, '/api/contact/batchupsert');
  });

  it('upsert with both force flags', async () => {
    await expectRejected(upsertBody('a@example.com', { forceOptIn: true, forceOptOut: true }), /cannot both be true/, '/api/contact/upsert');
  });

  it('malformed JSON → HTTP 400 success:false', async () => {
    const reply = await post(sim.url, '/api/contact/upsert', '{"clientId": ');
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ success: false, message: ['Malformed JSON'] });
    const array = await post(sim.url, '/api/contact/upsert', '[1]');
    expect(array.status).toBe(400);
  });

  it('GET and unknown methods', async () => {
    const get = await fetch(`${sim.url}/api/contact/upsert`);
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ success: false });
    const unknown = await post(sim.url, '/api/contact/nothing', {});
    expect(unknown.status).toBe(404);
  });
});
