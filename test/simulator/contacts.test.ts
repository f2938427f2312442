// Contact rules: opt-in status from the force flags (incl. "no change"), tags, e-mail and time formats.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mergeTags, nextOptIn } from './optin.ts';
import { startSimulator, type Simulator } from './server.ts';
import { post, TEST_ACCOUNT } from './signed-request.ts';
import { isMillis, isValidEmail } from './validation.ts';

describe('nextOptIn', () => {
  it.each([
    [undefined, {}, 'unknown'],
    [undefined, { forceOptIn: false, forceOptOut: false, useApiDoubleOptIn: false }, 'unknown'],
    ['opt-in', { forceOptIn: false, forceOptOut: false }, 'opt-in'],
    ['opt-out', { forceOptIn: false, forceOptOut: false }, 'opt-out'],
    ['pending', {}, 'pending'],
    [undefined, { forceOptIn: true }, 'opt-in'],
    ['opt-out', { forceOptIn: true }, 'opt-in'],
    [undefined, { forceOptIn: true, useApiDoubleOptIn: true }, 'pending'],
    ['opt-in', { forceOptIn: true, useApiDoubleOptIn: true }, 'opt-in'],
    ['opt-in', { forceOptOut: true }, 'opt-out'],
    ['pending', { forceOptOut: true }, 'opt-out'],
  ] as const)('%s + %j → %s', (current, flags, expected) => {
    expect(nextOptIn(current, flags)).toBe(expected);
  });

  it('tags are added once and removeTags removes', () => {
    expect(mergeTags(['A', 'B'], ['B', 'C', 'C'])).toEqual(['A', 'B', 'C']);
    expect(mergeTags(['A', 'B'], ['D'], ['A'])).toEqual(['B', 'D']);
  });
});

describe('formats', () => {
  it('e-mail limits: local part 64, whole 254', () => {
    expect(isValidEmail(`${'x'.repeat(64)}@example.com`)).toBe(true);
    expect(isValidEmail(`${'x'.repeat(65)}@example.com`)).toBe(false);
    const domain = `${['a', 'b', 'c'].map((c) => c.repeat(63)).join('.')}.${'d'.repeat(60)}`;
    expect(`x@${domain}`.length).toBe(254);
    expect(isValidEmail(`x@${domain}`)).toBe(true);
    expect(isValidEmail(`xy@${domain}`)).toBe(false);
    expect(isValidEmail("o'brien+tag@sub.example.co")).toBe(true);
    expect(isValidEmail('a@-example.com')).toBe(false);
    expect(isValidEmail('.a@example.com')).toBe(false);
  });

  it('milliseconds are 13 digits', () => {
    expect(isMillis(1_760_000_000_000)).toBe(true);
    expect(isMillis('1760000000000')).toBe(true);
    expect(isMillis(1_760_000_000)).toBe(false);
    expect(isMillis(1_760_000_000_000.5)).toBe(false);
    expect(isMillis(17_600_000_000_000)).toBe(false);
  });
});

describe('opt-in status through the API', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim ??= await startSimulator({ accounts: [TEST_ACCOUNT] });
    sim.reset();
  });
  afterAll(() => sim.close());

  const upsert = (email: string, flags: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    post(sim.url, '/api/contact/upsert', { contact: { email }, ...flags, ...extra });
  const status = (email: string) => sim.state().contacts.find((c) => c.email === email)?.optIn;
  const noChange = { forceOptIn: false, forceOptOut: false, forcePhoneOptIn: false, forcePhoneOptOut: false, useApiDoubleOptIn: false };

  it('subscribe, no change, unsubscribe, no change', async () => {
    await upsert('a@example.com', noChange);
    expect(status('a@example.com')).toBe('unknown');
    await upsert('a@example.com', { forceOptIn: true, forceOptOut: false });
    expect(status('a@example.com')).toBe('opt-in');
    await upsert('a@example.com', noChange);
    expect(status('a@example.com')).toBe('opt-in');
    await upsert('a@example.com', { forceOptIn: false, forceOptOut: true });
    expect(status('a@example.com')).toBe('opt-out');
    await upsert('a@example.com', noChange);
    expect(status('a@example.com')).toBe('opt-out');
  });

  it('double opt-in keeps the contact pending until confirmed', async () => {
    await upsert('d@example.com', { forceOptIn: true, useApiDoubleOptIn: true }, { doubleOptInEmailId: 'tpl-1', doubleOptInLanguage: 'PL' });
    const [contact] = sim.state().contacts;
    expect(contact).toMatchObject({ optIn: 'pending', doubleOptIn: { emailId: 'tpl-1', language: 'PL' } });
    await upsert('d@example.com', noChange);
    expect(status('d@example.com')).toBe('pending');
    await sim.confirm('d@example.com');
    expect(status('d@example.com')).toBe('opt-in');
    expect(sim.state().contacts[0]?.doubleOptIn).toBeUndefined();
  });

  it('tags accumulate without duplicates across upserts', async () => {
    await upsert('t@example.com', noChange, { tags: ['REGISTRATION', 'NEWSLETTER'] });
    await upsert('t@example.com', noChange, { tags: ['NEWSLETTER', 'PURCHASE'] });
    expect(sim.state().contacts[0]?.tags).toEqual(['REGISTRATION', 'NEWSLETTER', 'PURCHASE']);
  });

  it('an event never changes the status unless it forces opt-in', async () => {
    await upsert('e@example.com', { forceOptOut: true });
    await post(sim.url, '/api/v2/contact/addContactExtEvent', { email: 'e@example.com', contactEvent: { contactExtEventType: 'VISIT', date: Date.now() } });
    expect(status('e@example.com')).toBe('opt-out');
  });
});
