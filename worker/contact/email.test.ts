// The one e-mail rule, and the same list of real-world addresses through every path that reads one:
// SALESmanago's callbacks, the consent API, the shop API and the beacon schema.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { callbackKey } from '../consent/callback-key.ts';
import { readConsent, recordConsent } from '../consent/store.ts';
import type { Env } from '../env.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import { beaconEventSchema } from '../ingest/beacon-schema.ts';
import { shopContactSchema } from '../ingest/shop-schema.ts';
import { emailProblem } from './email.ts';

const env: Env = workerEnv;

const local64 = 'a'.repeat(64);
/** Addresses people really have, which SALESmanago accepts. */
export const VALID = [
  "o'brien@example.com",
  'jan+sklep@example.pl',
  'jan@xn--sklep-0ra.pl',
  'Jan.Kowalski@Example.PL',
  `${local64}@example.com`,
  `${'b'.repeat(64)}@${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(58)}.pl`, // 254 characters
  'first.last@sub.domain.example.co.uk',
  'x@example.museum',
  'user_name-1@my-shop.com.pl',
  "a!#$%&'*+/=?^_`{|}~-@example.com",
  '"john..doe"@example.com',
  '1234567890@example.com',
];
/** What SALESmanago refuses (or cannot mail). */
export const INVALID = [
  'plain',
  '@example.com',
  'jan@',
  'jan@localhost',
  'jan..kowalski@example.com',
  '.jan@example.com',
  'jan.@example.com',
  `${local64}a@example.com`,
  `${'b'.repeat(64)}@${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(59)}.pl`, // 255 characters
  'jan@-shop.pl',
  'jan@shop-.pl',
  'jan@shop..pl',
  'jan@10.0.0.1',
  'jan@[10.0.0.1]',
  'jan kowalski@example.com',
  'jan@sklep.pl\u0000',
  'żaneta@example.pl',
  'jan@żółw.pl',
  'a@b@example.com',
];

describe('the e-mail rule', () => {
  it('has the length cases right', () => {
    expect(VALID[5]).toHaveLength(254);
    expect(INVALID[8]).toHaveLength(255);
  });
  it.each(VALID)('accepts %j', (address) => expect(emailProblem(address)).toBeNull());
  it.each(INVALID)('refuses %j', (address) => expect(emailProblem(address)).not.toBeNull());
  it('names the precise reason where there is one', () => {
    expect(emailProblem(`${local64}a@example.com`)).toBe('at most 64 characters before the @');
    expect(emailProblem('jan..k@example.com')).toMatch(/two dots in a row/);
    // A non-ASCII local part is named as such (the domain's xn-- advice would not help: issue 26 item 2).
    expect(emailProblem('żaneta@example.pl')).toMatch(/^the part before the @ must be ASCII/);
    expect(emailProblem('jan@żabka.pl')).toMatch(/international domain in its xn-- form/);
  });
});

async function call(path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

async function signedGet(path: string) {
  const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'GET', path, '');
  return call(path, { headers: { 'Sm-Edge-Signature': header } });
}

describe('the same list through every path', () => {
  it.each(VALID)('an opt-out callback for %j is stored', async (address) => {
    const email = address.toLowerCase();
    const key = await callbackKey(email, env.CALLBACK_SECRET!);
    const res = await call(`/callbacks/opt-out?email=${encodeURIComponent(address)}&key=${key}`);
    expect(res).toEqual({ status: 200, body: { success: true } });
    expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-out');
  });

  // A space in a callback's address is a "+" decoded as form encoding (worker/consent/email.ts).
  const refusedInUrls = INVALID.filter((a) => !a.includes(' '));
  it.each(refusedInUrls)('a callback for %j is refused with 400 naming the field', async (address) => {
    const res = await call(`/callbacks/opt-out?email=${encodeURIComponent(address)}&key=x`);
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toMatch(/^email /);
  });

  it.each(VALID)('the consent API answers for %j', async (address) => {
    const email = address.toLowerCase();
    // Newer than the callbacks' opt-outs above, so it is the status answered.
    const changedAt = Date.now() + 60_000;
    await recordConsent(env.CONSENTS, { email, status: 'opt-in', changedAt, source: 'salesmanago' }, { log: env.LEDGER });
    const res = await signedGet(`/api/v1/consents/${encodeURIComponent(address)}`);
    expect(res).toEqual({ status: 200, body: { email, status: 'opt-in', changedAt } });
  });

  it.each(refusedInUrls)('the consent API refuses %j with 400', async (address) => {
    const res = await signedGet(`/api/v1/consents/${encodeURIComponent(address)}`);
    expect(res.status).toBe(400);
  });

  it('the shop API and the beacon schema agree with the rule', () => {
    for (const address of [...VALID, ...INVALID]) {
      const ok = emailProblem(address) === null;
      expect(v.safeParse(shopContactSchema, { email: address }).success, address).toBe(ok);
      const beacon = { k: 'newsletter', i: 'abcdefgh', t: 1, email: address };
      expect(v.safeParse(beaconEventSchema, beacon).success, address).toBe(ok);
    }
  });
});
