// The simulator as strict as SALESmanago's own code: double opt-in only where the SDK puts it (and
// counted mails), separate phone consent, empty CART/PURCHASE refused, the complete contact, and the
// stored-then-late and minimal-reply modes.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './server.ts';
import { contactEvent, post, TEST_ACCOUNT } from './signed-request.ts';

let sim: Simulator;
beforeEach(async () => {
  sim ??= await startSimulator({ accounts: [TEST_ACCOUNT] });
  sim.reset();
});
afterAll(() => sim.close());

const contactOf = (email: string) => sim.state().contacts.find((c) => c.email === email);

describe('double opt-in where official code sends it', () => {
  it('a single upsert with top-level DOI fields leaves the contact pending and sends one mail per request', async () => {
    const body = { contact: { email: 'a@example.com' }, forceOptIn: true, useApiDoubleOptIn: true, doubleOptInEmailId: 't1', doubleOptInLanguage: 'PL' };
    expect((await post(sim.url, '/api/contact/upsert', body)).json.success).toBe(true);
    expect(contactOf('a@example.com')).toMatchObject({ optIn: 'pending', doubleOptInMails: 1, doubleOptIn: { emailId: 't1', language: 'PL' } });
    await post(sim.url, '/api/contact/upsert', body);
    expect(contactOf('a@example.com')?.doubleOptInMails).toBe(2);
  });

  it('refuses DOI keys inside batch items, naming them', async () => {
    const reply = await post(sim.url, '/api/contact/batchupsert', {
      useApiDoubleOptIn: false,
      upsertDetails: [{ contact: { email: 'a@example.com' }, forceOptIn: true, useApiDoubleOptIn: true }],
    });
    expect(reply.json.success).toBe(false);
    expect((reply.json.message as string[])[0]).toMatch(/upsertDetails\[0\]: useApiDoubleOptIn is not read inside upsertDetails/);
    expect(sim.state().contacts).toHaveLength(0);
  });

  it('a batch opts in without mails only with top-level useApiDoubleOptIn:false', async () => {
    const details = [{ contact: { email: 'a@example.com' }, forceOptIn: true, forceOptOut: false }];
    await post(sim.url, '/api/contact/batchupsert', { useApiDoubleOptIn: false, upsertDetails: details });
    expect(contactOf('a@example.com')).toMatchObject({ optIn: 'opt-in', doubleOptInMails: 0 });
    await post(sim.url, '/api/contact/batchupsert', { upsertDetails: [{ contact: { email: 'b@example.com' }, forceOptIn: true }] });
    expect(contactOf('b@example.com')).toMatchObject({ optIn: 'pending', doubleOptInMails: 1 });
  });
});

describe('the contact', () => {
  it('keeps the phone pair apart from the e-mail pair', async () => {
    await post(sim.url, '/api/contact/upsert', { contact: { email: 'a@example.com' }, forceOptIn: true, forcePhoneOptIn: false });
    expect(contactOf('a@example.com')).toMatchObject({ optIn: 'opt-in', phoneOptIn: 'unknown' });
    await post(sim.url, '/api/contact/upsert', { contact: { email: 'a@example.com' }, forcePhoneOptIn: true });
    expect(contactOf('a@example.com')).toMatchObject({ optIn: 'opt-in', phoneOptIn: 'opt-in' });
    await post(sim.url, '/api/contact/upsert', { contact: { email: 'a@example.com' }, forcePhoneOptOut: true });
    expect(contactOf('a@example.com')).toMatchObject({ optIn: 'opt-in', phoneOptIn: 'opt-out' });
  });

  it('stores address, birthday, externalId, properties, consentDetails; removeTags; newEmail moves the contact', async () => {
    const first = await post(sim.url, '/api/contact/upsert', { contact: { email: 'old@example.com' }, tags: ['A', 'B'] });
    await post(sim.url, '/api/contact/upsert', {
      contact: { email: 'old@example.com', externalId: 'c-1', address: { streetAddress: 'Długa 1', zipCode: '00-001', city: 'Warszawa', country: 'PL' } },
      birthday: '19900521',
      properties: { segment: 'vip' },
      removeTags: ['A'],
      consentDetails: [{ consentName: 'GDPR', consentAccept: true, agreementDate: 1 }],
      newEmail: 'new@example.com',
    });
    expect(contactOf('old@example.com')).toBeUndefined();
    expect(contactOf('new@example.com')).toMatchObject({
      contactId: first.json.contactId,
      externalId: 'c-1',
      address: { streetAddress: 'Długa 1', zipCode: '00-001', city: 'Warszawa', country: 'PL' },
      birthday: '19900521',
      properties: { segment: 'vip' },
      tags: ['B'],
      consentDetails: [{ consentName: 'GDPR', consentAccept: true }],
      previousEmails: ['old@example.com'],
    });
    const bad = await post(sim.url, '/api/contact/upsert', { contact: { email: 'x@example.com' }, birthday: '1990-05-21' });
    expect(bad.json).toMatchObject({ success: false, message: ['birthday must be YYYYMMDD'] });
  });
});

describe('events', () => {
  it('refuses a CART or PURCHASE with neither products nor value, and accepts mixed-case locations', async () => {
    for (const contactExtEventType of ['CART', 'PURCHASE']) {
      const event = { ...contactEvent({ contactExtEventType }), products: undefined, value: 0 };
      const reply = await post(sim.url, '/api/v2/contact/addContactExtEvent', { email: 'a@example.com', contactEvent: event });
      expect(reply.json.success).toBe(false);
      expect((reply.json.message as string[]).join()).toMatch(/neither products nor value/);
    }
    const visit = { ...contactEvent({ contactExtEventType: 'VISIT', location: 'sm_Shop_ABC' }), products: undefined, value: undefined };
    expect((await post(sim.url, '/api/v2/contact/addContactExtEvent', { email: 'a@example.com', contactEvent: visit })).json.success).toBe(true);
  });

  it('answers batches with createdAmount, failedAmount and failedContacts', async () => {
    const reply = await post(sim.url, '/api/v2/contact/addBatchContactExtEvent', {
      events: [
        { email: 'a@example.com', contactEvent: contactEvent() },
        { email: 'b@example.com', contactEvent: { ...contactEvent({ contactExtEventType: 'CART' }), products: '', value: 0 } },
      ],
    });
    expect(reply.json).toMatchObject({ success: true, createdAmount: 1, failedAmount: 1, failedContacts: ['b@example.com'] });
  });
});

describe('modes', () => {
  it('answerDelayMs stores the call at once and answers later', async () => {
    sim.setFaults({ '/api/v2/contact/addContactExtEvent': { answerDelayMs: 400 } });
    const started = Date.now();
    const pending = post(sim.url, '/api/v2/contact/addContactExtEvent', { email: 'a@example.com', contactEvent: contactEvent() });
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.state().events).toHaveLength(1);
    const reply = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(reply.json).toMatchObject({ success: true, eventId: sim.state().events[0]?.eventId });
  });

  it('minimalReplies answers success:true only', async () => {
    sim.setFaults({ '*': { minimalReplies: 1 } });
    expect((await post(sim.url, '/api/contact/upsert', { contact: { email: 'a@example.com' } })).json).toEqual({ success: true });
    const refused = await post(sim.url, '/api/contact/upsert', { contact: { email: 'nope' } });
    expect(refused.json.success).toBe(false);
    expect(sim.state().contacts).toHaveLength(1);
  });
});
