// Request bodies, field limits, auth and error classification: pure functions, no HTTP.
import { describe, expect, it } from 'vitest';
import { authFields, newApiKey, sha1Hex } from './auth.ts';
import { kindOfRejection, kindOfStatus, parseRetryAfter, redact, SalesmanagoError } from './errors.ts';
import { cutText, fitProducts } from './limits.ts';
import { contactEventBody, contactRefFields, doubleOptInFields, normaliseTags, upsertDetail } from './payloads.ts';
import type { ContactEvent, Truncation } from './types.ts';

const OWNER = 'owner@shop.test';
const MS = 1_760_000_000_000;

describe('auth', () => {
  it('computes sha1(apiKey + clientId + apiSecret) as lowercase hex', async () => {
    // Vectors computed independently (Python hashlib / sha1sum).
    expect(await sha1Hex('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    const auth = await authFields({ clientId: 'clientA', apiSecret: 'secretZ' }, 'k1', 1234);
    expect(auth).toEqual({
      clientId: 'clientA',
      apiKey: 'k1',
      sha: '2a7316f91340e352baa35dd329b45a9ffa7011ef',
      requestTime: 1234,
    });
    const local = await authFields({ clientId: 'localclient01', apiSecret: 'local-only-api-secret' }, '0123456789abcdef0123456789abcdef');
    expect(local.sha).toBe('f1605e3bb45b11b307240bc4d3a75f444ea79eae');
  });

  it('uses a fresh random apiKey and a ms requestTime by default', async () => {
    const before = Date.now();
    const a = await authFields({ clientId: 'c', apiSecret: 's' });
    const b = await authFields({ clientId: 'c', apiSecret: 's' });
    expect(a.apiKey).toMatch(/^[0-9a-f]{32}$/);
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.sha).not.toBe(b.sha);
    expect(a.requestTime).toBeGreaterThanOrEqual(before);
    expect(a.requestTime).toBeGreaterThan(1e12);
    expect(newApiKey()).not.toContain('-');
  });
});

describe('upsert detail: consent flags', () => {
  const base = { email: '  Jan.Kowalski@Example.PL ', consent: 'no-change' as const };

  it('a newsletter subscribe sets the e-mail pair only, never the phone pair, and no DOI key', () => {
    const body = upsertDetail({ ...base, consent: 'subscribe', doubleOptIn: { emailId: 'tpl-1', language: 'PL' } }, OWNER).body;
    expect(body).toEqual({
      owner: OWNER,
      contact: { email: 'jan.kowalski@example.pl' },
      forceOptIn: true,
      forceOptOut: false,
      forcePhoneOptIn: false,
      forcePhoneOptOut: false,
    });
  });

  it('double opt-in fields exist only for a subscribe that asks for it, top-level for a single upsert', () => {
    expect(doubleOptInFields({ ...base, consent: 'subscribe', doubleOptIn: { emailId: 'tpl-1', language: 'PL' } })).toEqual({
      useApiDoubleOptIn: true,
      doubleOptInEmailId: 'tpl-1',
      doubleOptInLanguage: 'PL',
    });
    expect(doubleOptInFields({ ...base, consent: 'subscribe' })).toBeNull();
    expect(doubleOptInFields({ ...base, consent: 'unsubscribe', doubleOptIn: { emailId: 'tpl-1' } })).toBeNull();
    expect(doubleOptInFields({ ...base, doubleOptIn: { emailId: 'tpl-1' } })).toBeNull();
  });

  it('an unsubscribe sets the e-mail pair only, unless the phone pair is asked for too', () => {
    expect(upsertDetail({ ...base, consent: 'unsubscribe' }, OWNER).body).toMatchObject({
      forceOptIn: false,
      forceOptOut: true,
      forcePhoneOptIn: false,
      forcePhoneOptOut: false,
    });
    expect(upsertDetail({ ...base, consent: 'unsubscribe', phoneConsent: 'unsubscribe' }, OWNER).body).toMatchObject({
      forceOptOut: true,
      forcePhoneOptOut: true,
    });
  });

  it('sms consent sets the phone pair alone', () => {
    expect(upsertDetail({ ...base, phoneConsent: 'subscribe' }, OWNER).body).toMatchObject({
      forceOptIn: false,
      forceOptOut: false,
      forcePhoneOptIn: true,
      forcePhoneOptOut: false,
    });
    expect(upsertDetail({ ...base, phoneConsent: 'unsubscribe' }, OWNER).body).toMatchObject({
      forceOptIn: false,
      forceOptOut: false,
      forcePhoneOptIn: false,
      forcePhoneOptOut: true,
    });
  });

  it('no-change sends all four flags false and no double opt-in', () => {
    const body = upsertDetail({ ...base, doubleOptIn: { emailId: 'tpl-1', language: 'EN' } }, OWNER).body;
    expect(body).toMatchObject({ forceOptIn: false, forceOptOut: false, forcePhoneOptIn: false, forcePhoneOptOut: false });
    expect(Object.keys(body).filter((k) => /doubleoptin/i.test(k))).toEqual([]);
  });

  it('sends the complete contact as the SDK does: address, birthday, externalId, properties, removeTags, newEmail, consentDetails', () => {
    const { body, truncations } = upsertDetail(
      {
        ...base,
        externalId: 'cust-7',
        address: { street: 'Długa 1', zipCode: '00-001', city: 'Warszawa', country: 'pl' },
        birthday: '1990-05-21',
        properties: { segment: 'vip' },
        tags: ['a'],
        removeTags: ['old tag', 'A'],
        newEmail: 'New@Example.PL',
        consents: [{ name: 'GDPR_MARKETING', accepted: true, at: MS }],
      },
      OWNER,
    );
    expect(body).toMatchObject({
      contact: {
        email: 'jan.kowalski@example.pl',
        externalId: 'cust-7',
        address: { streetAddress: 'Długa 1', zipCode: '00-001', city: 'Warszawa', country: 'pl' },
      },
      birthday: '19900521',
      properties: { segment: 'vip' },
      tags: ['A'],
      removeTags: ['OLD_TAG'],
      newEmail: 'new@example.pl',
      consentDetails: [{ consentName: 'GDPR_MARKETING', consentAccept: true, agreementDate: MS, optOut: false }],
    });
    expect(truncations).toEqual([]);
  });

  it('normalises tags, language and optional contact fields', () => {
    const { body, truncations } = upsertDetail(
      { ...base, name: ' Jan ', phone: '', company: 'ACME', lang: 'pl-PL', tags: ['newsletter', ' Guest purchase ', 'NEWSLETTER', ''] },
      OWNER,
    );
    expect(body.contact).toEqual({ email: 'jan.kowalski@example.pl', name: 'Jan', company: 'ACME' });
    expect(body.tags).toEqual(['NEWSLETTER', 'GUEST_PURCHASE']);
    expect(body.lang).toBe('PL');
    expect(truncations).toEqual([]);
    expect(normaliseTags(['a  b', 'A B', 'a_b'])).toEqual(['A_B']);
  });

  it('drops a language that is not a two-letter code, recording it', () => {
    const { body, truncations } = upsertDetail({ ...base, lang: 'polish' }, OWNER);
    expect(body).not.toHaveProperty('lang');
    expect(truncations).toEqual([{ field: 'lang', from: 6, to: 0, kind: 'dropped' }]);
  });
});

describe('contact references', () => {
  it('lower-cases e-mails and keeps contact ids', () => {
    expect(contactRefFields({ email: ' A@B.PL ' })).toEqual({ email: 'a@b.pl' });
    expect(contactRefFields({ contactId: 'abc-123' })).toEqual({ contactId: 'abc-123' });
  });
});

describe('limits', () => {
  it('cuts by UTF-16 units without splitting a surrogate pair', () => {
    expect(cutText('abcdef', 4)).toBe('abcd');
    // '😀' is two units: a cut that would land inside it keeps neither half.
    expect(cutText('ab😀cd', 3)).toBe('ab');
    expect(cutText('ab😀cd', 4)).toBe('ab😀');
  });

  it('cuts products after the last whole id', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `product-${String(i).padStart(3, '0')}`);
    const rec: Truncation[] = [];
    const out = fitProducts(ids.join(','), (t) => rec.push(t));
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out.split(',').every((id) => ids.includes(id))).toBe(true);
    expect(out.endsWith(',')).toBe(false);
    expect(rec).toEqual([{ field: 'products', from: ids.join(',').length, to: out.length, kind: 'shortened' }]);
    // A single id longer than the limit is cut hard.
    expect(fitProducts('x'.repeat(600), () => {}).length).toBe(512);
    // A cut that lands exactly on a comma keeps every id before it.
    const exact = `${'a'.repeat(512)},b`;
    expect(fitProducts(exact, () => {})).toBe('a'.repeat(512));
  });
});

describe('contactEvent body', () => {
  const event: ContactEvent = { contactExtEventType: 'PURCHASE', date: MS };

  it('sends the fields as given when within limits', () => {
    const { body, truncations } = contactEventBody({
      ...event,
      description: 'order',
      products: 'p1,p2',
      location: 'sm_edge_demo',
      value: 123.45,
      externalId: 'ORD-1',
      shopDomain: 'shop.example.pl',
      details: ['a', undefined, 'c'],
    });
    expect(body).toEqual({
      contactExtEventType: 'PURCHASE',
      date: MS,
      description: 'order',
      products: 'p1,p2',
      location: 'sm_edge_demo',
      value: 123.45,
      externalId: 'ORD-1',
      shopDomain: 'shop.example.pl',
      detail1: 'a',
      detail3: 'c',
    });
    expect(truncations).toEqual([]);
    expect(contactEventBody(event, 'ev-1').body.eventId).toBe('ev-1');
  });

  it('sends value with two decimals, recording only a real change', () => {
    const noise = contactEventBody({ ...event, value: 0.1 + 0.2 });
    expect(noise.body.value).toBe(0.3);
    expect(noise.truncations).toEqual([]);
    const rounded = contactEventBody({ ...event, value: 10.005001 });
    expect(rounded.body.value).toBe(10.01);
    expect(rounded.truncations).toEqual([{ field: 'value', from: 10.005001, to: 10.01, kind: 'converted' }]);
    const huge = contactEventBody({ ...event, value: 1e25 });
    expect(huge.body).not.toHaveProperty('value');
    expect(huge.truncations).toEqual([{ field: 'value', from: 5, to: 0, kind: 'dropped' }]);
  });

  it('shortens, drops and converts, recording each change', () => {
    const details = Array.from({ length: 23 }, (_, i) => (i === 1 ? 'd'.repeat(300) : `d${i + 1}`));
    const { body, truncations } = contactEventBody({
      ...event,
      date: MS / 1000,
      description: 'x'.repeat(3000),
      externalId: 'e'.repeat(256),
      shopDomain: 's'.repeat(300),
      location: 'Bad Location!',
      value: Number.NaN,
      details,
    });
    expect(body.date).toBe(MS);
    expect(body.description).toHaveLength(2048);
    expect(body.externalId).toHaveLength(255);
    expect(body.shopDomain).toHaveLength(255);
    expect(body).not.toHaveProperty('location');
    expect(body).not.toHaveProperty('value');
    expect(body.detail2).toHaveLength(255);
    expect(body.detail20).toBe('d20');
    expect(body).not.toHaveProperty('detail21');
    expect(truncations).toEqual(
      expect.arrayContaining([
        { field: 'date', from: MS / 1000, to: MS, kind: 'converted' },
        { field: 'description', from: 3000, to: 2048, kind: 'shortened' },
        { field: 'externalId', from: 256, to: 255, kind: 'shortened' },
        { field: 'shopDomain', from: 300, to: 255, kind: 'shortened' },
        { field: 'location', from: 13, to: 0, kind: 'dropped' },
        { field: 'value', from: 3, to: 0, kind: 'dropped' },
        { field: 'detail2', from: 300, to: 255, kind: 'shortened' },
        { field: 'details', from: 23, to: 20, kind: 'dropped' },
      ]),
    );
    expect(truncations).toHaveLength(8);
  });

  it('throws a permanent error for an unknown type or an impossible date', () => {
    const bad = () => contactEventBody({ ...event, contactExtEventType: 'purchase' as 'PURCHASE' });
    expect(bad).toThrow(SalesmanagoError);
    try {
      bad();
    } catch (err) {
      expect((err as SalesmanagoError).kind).toBe('permanent');
      expect((err as SalesmanagoError).message).toMatch(/contactExtEventType "purchase"/);
    }
    expect(() => contactEventBody({ ...event, date: Number.NaN })).toThrow(/date/);
  });
});

describe('failure classification', () => {
  it('classifies HTTP statuses', () => {
    expect(kindOfStatus(200)).toBeNull();
    expect(kindOfStatus(408)).toBe('transient');
    expect(kindOfStatus(429)).toBe('transient');
    expect(kindOfStatus(500)).toBe('transient');
    expect(kindOfStatus(503)).toBe('transient');
    expect(kindOfStatus(400)).toBe('permanent');
    expect(kindOfStatus(401)).toBe('permanent');
    expect(kindOfStatus(404)).toBe('permanent');
  });

  it('classifies success:false by its message', () => {
    expect(kindOfRejection(['Not authenticated'])).toBe('permanent');
    expect(kindOfRejection(['Invalid email'])).toBe('permanent');
    expect(kindOfRejection(['Server is busy, try again later'])).toBe('transient');
    expect(kindOfRejection(['Service temporarily unavailable'])).toBe('transient');
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('redacts secrets from text', () => {
    expect(redact('bad sha abc123 for secret s3cr3t', ['s3cr3t', 'abc123'])).toBe('bad sha [redacted] for secret [redacted]');
  });
});
