// The complete shop contact on /api/v1/contacts and /api/v1/batch: every field SALESmanago's SDK sends
// is accepted and queued as given, and each malformed one is refused with a 400 naming it.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;

async function signedPost(path: string, body: unknown) {
  const raw = JSON.stringify(body);
  const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', path, raw);
  const ctx = createExecutionContext();
  const res = await app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw }, env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

async function payloadOf(id: string): Promise<Record<string, unknown>> {
  const row = await env.LEDGER.prepare('SELECT payload FROM deliveries WHERE id = ?').bind(id).first<{ payload: string }>();
  return JSON.parse(row!.payload) as Record<string, unknown>;
}

const address = () => `full-${crypto.randomUUID()}@example.com`;

const complete = (email: string) => ({
  email,
  sms: 'subscribe',
  externalId: 'cust-42',
  address: { street: 'Długa 1', zipCode: '00-001', city: 'Warszawa', country: 'PL' },
  birthday: '1990-05-21',
  properties: { segment: 'vip', source: 'pos' },
  removeTags: ['old'],
  previousEmail: 'Old.Address@Example.com',
  consents: [{ name: 'GDPR_MARKETING', accepted: true, at: '2026-11-20T14:03:00+01:00' }],
  trigger: 'login',
});

describe('the complete shop contact', () => {
  it('accepts every field and queues it as given (e-mails lower-cased, consent times in ms)', async () => {
    const email = address();
    const res = await signedPost('/api/v1/contacts', complete(email));
    expect(res.status).toBe(202);
    expect(await payloadOf(res.body.id as string)).toEqual({
      kind: 'contact',
      contact: {
        id: res.body.id,
        receivedAt: expect.any(Number),
        email,
        trigger: 'login',
        sms: 'subscribe',
        externalId: 'cust-42',
        address: { street: 'Długa 1', zipCode: '00-001', city: 'Warszawa', country: 'PL' },
        birthday: '1990-05-21',
        properties: { segment: 'vip', source: 'pos' },
        removeTags: ['old'],
        previousEmail: 'old.address@example.com',
        consents: [{ name: 'GDPR_MARKETING', accepted: true, at: Date.parse('2026-11-20T13:03:00Z') }],
      },
    });
  });

  it('accepts sms consent in a batch too', async () => {
    const res = await signedPost('/api/v1/batch', { items: [{ kind: 'contact', email: address(), sms: 'unsubscribe' }] });
    expect(res.status).toBe(202);
    const [item] = res.body.items as { id: string }[];
    expect(await payloadOf(item!.id)).toMatchObject({ contact: { sms: 'unsubscribe' } });
  });

  it.each([
    [{ sms: 'yes' }, 'sms: must be "subscribe" or "unsubscribe"'],
    [{ externalId: '' }, 'externalId: must not be empty'],
    [{ externalId: 'x'.repeat(256) }, 'externalId: must be at most 255 characters'],
    [{ address: 'Długa 1' }, 'address: must be an object'],
    [{ address: { zipCode: 'x'.repeat(33) } }, 'address.zipCode: must be at most 32 characters'],
    [{ birthday: '21.05.1990' }, 'birthday: must be a date YYYY-MM-DD'],
    [{ birthday: '1990-02-30' }, 'birthday: must be a real date'],
    [{ birthday: '2999-01-01' }, 'birthday: must be a real date'],
    [{ properties: { a: 1 } }, 'properties.a: property values must be strings'],
    [{ properties: ['a'] }, 'properties: must be an object of string values'],
    [{ properties: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, 'x'])) }, 'properties: must have at most 50 properties'],
    [{ removeTags: 'old' }, 'removeTags: must be an array of tag names'],
    [{ previousEmail: 'not-an-address' }, 'previousEmail: must be a valid e-mail address'],
    [{ consents: [{ name: 'GDPR', accepted: 'yes', at: '2026-11-20T14:03:00Z' }] }, 'consents[0].accepted: must be true or false'],
    [{ consents: [{ name: 'GDPR', accepted: true }] }, 'consents[0].at: is required'],
    [{ consents: [{ name: '', accepted: true, at: '2026-11-20T14:03:00Z' }] }, 'consents[0].name: must not be empty'],
  ])('refuses %j with 400 naming the field', async (field, message) => {
    const res = await signedPost('/api/v1/contacts', { email: address(), ...field });
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(message);
  });
});

describe("every order's buyer", () => {
  const order = (extra: Record<string, unknown>) => ({
    type: 'purchase',
    orderId: `ORD-${crypto.randomUUID()}`,
    email: address(),
    value: 10,
    currency: 'PLN',
    products: [{ id: 'a', quantity: 1, price: 10 }],
    occurredAt: '2026-11-20T14:03:00+01:00',
    ...extra,
  });

  it('carries customerId, address, birthday and properties to the contact upsert', async () => {
    const res = await signedPost(
      '/api/v1/events',
      order({ customerId: 77, address: { city: 'Kraków', country: 'PL' }, birthday: '1985-01-02', properties: { vip: 'yes' } }),
    );
    expect(res.status).toBe(202);
    expect(await payloadOf(res.body.id as string)).toMatchObject({
      event: { buyer: { externalId: '77', address: { city: 'Kraków', country: 'PL' }, birthday: '1985-01-02', properties: { vip: 'yes' } } },
    });
    const { contactNeedOfEvent } = await import('../delivery/contacts.ts');
    const { readConfig } = await import('../config.ts');
    const stored = (await payloadOf(res.body.id as string)).event as Parameters<typeof contactNeedOfEvent>[0];
    expect(contactNeedOfEvent(stored, readConfig(env))?.upsert).toMatchObject({
      externalId: '77',
      address: { city: 'Kraków', country: 'PL' },
      birthday: '1985-01-02',
      properties: { vip: 'yes' },
    });
  });

  it.each([
    [{ customerId: '' }, 'customerId: must not be empty'],
    [{ birthday: 'yesterday' }, 'birthday: must be a date YYYY-MM-DD'],
    [{ address: { city: 5 } }, 'address.city: must be a string'],
    [{ properties: { a: ['x'] } }, 'properties.a: property values must be strings'],
  ])('refuses %j with 400 naming the field', async (field, message) => {
    const res = await signedPost('/api/v1/events', order(field));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(message);
  });
});
