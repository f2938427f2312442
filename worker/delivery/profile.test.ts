// A stranger's beacon never overwrites a real contact's profile (delivery/profile.ts, docs/trust.md
// "Who may change what"), checked at the SALESmanago simulator.
import { describe, expect, it } from 'vitest';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { callbackKey } from '../consent/callback-key.ts';
import { app } from '../index.ts';
import type { QueueMessage } from '../queue/messages.ts';
import {
  asContact,
  asEvent,
  browserEvent,
  consume,
  email,
  env,
  orderEvent,
  recordAccepted,
  shopContact,
  simEventsOf,
  simState,
} from '../test/delivery-fixtures.ts';
import type { ContactNeed } from './contacts.ts';
import { withoutProfile } from './profile.ts';

interface Profile {
  name?: string;
  phone?: string;
  company?: string;
  optIn?: string;
}

async function profile(address: string): Promise<Profile | undefined> {
  const state = (await simState()) as unknown as { contacts: (Profile & { email: string })[] };
  return state.contacts.find((c) => c.email === address);
}

async function deliver(messages: QueueMessage[]): Promise<void> {
  await recordAccepted(messages);
  const { result } = await consume(messages);
  expect(result.retryMessages).toEqual([]);
}

const REAL = { name: 'Anna Nowak', phone: '+48600100200', company: 'Nowak Sp. z o.o.' };
const STRANGER = { name: 'Mallory', phone: '+48999999999', company: 'Evil Inc.' };
const strangerForms = (address: string) => [
  browserEvent('offer', { email: address, emailVerified: false, ...STRANGER }),
  browserEvent('newsletter', { email: address, emailVerified: false, ...STRANGER }),
  browserEvent('survey', { email: address, emailVerified: false, ...STRANGER }),
];

describe('browser profile fields and trusted contacts', { timeout: 30_000 }, () => {
  it("after a signed contact, a stranger's offer, newsletter and survey beacons change no field (their events still arrive)", async () => {
    const address = email('real');
    await deliver([asContact(shopContact({ email: address, ...REAL, newsletter: 'subscribe', trigger: 'registration' }))]);
    expect(await profile(address)).toMatchObject({ ...REAL, optIn: 'opt-in' });

    await deliver(strangerForms(address).map(asEvent));
    expect(await profile(address)).toMatchObject({ ...REAL, optIn: 'opt-in' });
    const types = (await simEventsOf([address])).map((e) => e.contactExtEventType).sort();
    expect(types).toEqual(['OFFER', 'OTHER', 'SURVEY']);
  });

  it('in one batch with the signed contact, a later beacon still changes nothing', async () => {
    const address = email('same-batch');
    const shop = shopContact({ email: address, ...REAL, receivedAt: Date.now() - 1000 });
    await deliver([asContact(shop), ...strangerForms(address).map(asEvent)]);
    expect(await profile(address)).toMatchObject(REAL);
  });

  it("after an order from the shop (a platform's or the API's buyer), a beacon changes nothing", async () => {
    const address = email('buyer');
    await deliver([asEvent(orderEvent('purchase', { email: address, ...REAL }))]);
    expect(await profile(address)).toMatchObject(REAL);
    await deliver(strangerForms(address).map(asEvent));
    expect(await profile(address)).toMatchObject(REAL);
  });

  it('a contact SALESmanago told us about (a consent callback) gets no browser profile fields', async () => {
    const address = email('callback');
    const ctx = createExecutionContext();
    const key = await callbackKey(address, env.CALLBACK_SECRET!);
    const res = await app.request(`/callbacks/opt-out?email=${encodeURIComponent(address)}&key=${key}`, {}, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    await deliver(strangerForms(address).map(asEvent));
    const contact = await profile(address);
    expect(contact).toBeDefined();
    expect(contact).not.toHaveProperty('name');
    expect(contact).not.toHaveProperty('phone');
    expect(contact).not.toHaveProperty('company');
  });

  it("a contact only browsers ever spoke for is created with, and updated by, the browser's fields", async () => {
    const address = email('browser-only');
    await deliver([asEvent(browserEvent('offer', { email: address, emailVerified: false, ...REAL }))]);
    expect(await profile(address)).toMatchObject(REAL);
    await deliver([asEvent(browserEvent('survey', { email: address, emailVerified: false, name: 'Anna Kowalska' }))]);
    expect(await profile(address)).toMatchObject({ ...REAL, name: 'Anna Kowalska' });
  });
});

describe('withoutProfile', () => {
  it('drops every profile field; a need whose only news they were then only makes sure the contact exists', () => {
    const offer: ContactNeed = { upsert: { email: 'a@example.com', consent: 'no-change', ...STRANGER, lang: 'PL' }, always: true, at: 1, origin: 'browser' };
    expect(withoutProfile(offer)).toEqual({ upsert: { email: 'a@example.com', consent: 'no-change' }, always: false, at: 1, origin: 'browser' });
    const tagged: ContactNeed = { upsert: { email: 'a@example.com', consent: 'subscribe', tags: ['NEWSLETTER'], name: 'x' }, always: true, at: 1 };
    expect(withoutProfile(tagged)).toMatchObject({ upsert: { consent: 'subscribe', tags: ['NEWSLETTER'] }, always: true });
    expect(withoutProfile(tagged).upsert).not.toHaveProperty('name');
  });
});
