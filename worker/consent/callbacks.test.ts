import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { app } from '../index.ts';
import { LAST_CALLBACK_KEY, LAST_REFUSED_CALLBACK_KEY, resetRefusedNotes, type CallbackSeen } from './activity.ts';
import { callbackKey } from './callback-key.ts';
import { readConsent, TEST_EMAIL } from './store.ts';

const env: Env = workerEnv;
const SECRET = env.CALLBACK_SECRET!;

let n = 0;
const address = (local = 'cb') => `${local}-${Date.now()}-${++n}@example.com`;

async function call(path: string, init: RequestInit = {}, bindings: Env = env) {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

async function logIds(): Promise<string[]> {
  const { results } = await env.LEDGER.prepare('SELECT seq FROM consent_changes ORDER BY seq').all<{ seq: number }>();
  return results.map((r) => String(r.seq));
}

describe('GET /callbacks/opt-in and /callbacks/opt-out', () => {
  it('stores opt-in then opt-out for a valid key and answers {"success": true}', async () => {
    const email = address();
    const key = await callbackKey(email, SECRET);
    const optIn = await call(`/callbacks/opt-in?email=${email}&key=${key}`);
    expect(optIn).toEqual({ status: 200, body: { success: true } });
    expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-in');
    const optOut = await call(`/callbacks/opt-out?email=${email}&key=${key}`);
    expect(optOut.status).toBe(200);
    const stored = await readConsent(env.CONSENTS, email);
    expect(stored).toMatchObject({ status: 'opt-out', source: 'salesmanago' });
    expect(stored!.changedAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses a wrong key with 403 and stores nothing', async () => {
    const email = address();
    const before = await logIds();
    const wrong = await callbackKey(email, 'another-secret');
    for (const path of [
      `/callbacks/opt-in?email=${email}&key=${wrong}`,
      `/callbacks/opt-in?email=${email}`,
      `/callbacks/opt-in?email=${email}&key=sha1(${email}${SECRET})`,
    ]) {
      const res = await call(path);
      expect(res.status).toBe(403);
      expect(res.body.error).toMatch(/key/);
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
    }
    expect(await readConsent(env.CONSENTS, email)).toBeNull();
    expect(await logIds()).toEqual(before);
  });

  it('names a lone template that SALESmanago did not evaluate', async () => {
    const email = address();
    const res = await call(`/callbacks/opt-in?email=${email}&key=sha1($email$x)`);
    expect(res.body.error).toMatch(/did not evaluate/);
  });

  it('refuses a value that is not an e-mail with 400 naming the field', async () => {
    for (const path of ['/callbacks/opt-in?email=nobody&key=abc', '/callbacks/opt-out?key=abc', '/callbacks/opt-out?email=$email$&key=x']) {
      const res = await call(path);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^email /);
    }
  });

  it.each([
    ['a literal "+" (decoded as a space)', (local: string) => `${local}+tag@example.com`, (local: string) => `${local}+tag@example.com`],
    ['an encoded "+"', (local: string) => `${local}%2Btag@example.com`, (local: string) => `${local}+tag@example.com`],
    ['"@" as %40', (local: string) => `${local}%40example.com`, (local: string) => `${local}@example.com`],
    ['"@" double-encoded as %2540', (local: string) => `${local}%2540example.com`, (local: string) => `${local}@example.com`],
    ['capitals', (local: string) => `${local.toUpperCase()}@EXAMPLE.com`, (local: string) => `${local}@example.com`],
    ['spaces around', (local: string) => `%20%20${local}@example.com%20`, (local: string) => `${local}@example.com`],
  ])('accepts %s, keyed on the normalised address', async (_name, inUrl, stored) => {
    const local = `enc-${Date.now()}-${++n}`;
    const email = stored(local);
    const key = await callbackKey(email, SECRET);
    const res = await call(`/callbacks/opt-in?email=${inUrl(local)}&key=${key.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-in');
  });

  it('also accepts a key computed on the address with its original capitals', async () => {
    const local = `Caps-${Date.now()}-${++n}`;
    const key = await callbackKey(`${local}@Example.com`, SECRET);
    const res = await call(`/callbacks/opt-in?email=${local}@Example.com&key=${key}`);
    expect(res.status).toBe(200);
    expect((await readConsent(env.CONSENTS, `${local.toLowerCase()}@example.com`))?.status).toBe('opt-in');
  });

  it('is idempotent: a replayed callback changes nothing and logs once', async () => {
    const email = address();
    const key = await callbackKey(email, SECRET);
    const before = (await logIds()).length;
    await call(`/callbacks/opt-out?email=${email}&key=${key}`);
    const first = await readConsent(env.CONSENTS, email);
    for (let i = 0; i < 3; i++) expect((await call(`/callbacks/opt-out?email=${email}&key=${key}`)).status).toBe(200);
    expect(await readConsent(env.CONSENTS, email)).toEqual(first);
    expect((await logIds()).length).toBe(before + 1);
  });
});

describe('POST callbacks', () => {
  it('reads email and key from the query', async () => {
    const email = address();
    const key = await callbackKey(email, SECRET);
    expect((await call(`/callbacks/opt-in?email=${email}&key=${key}`, { method: 'POST' })).status).toBe(200);
    expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-in');
  });

  it('reads email and key from a form body, "+" included', async () => {
    const email = address('form+x');
    const key = await callbackKey(email, SECRET);
    const res = await call('/callbacks/opt-out', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `email=${email}&key=${key}`,
    });
    expect(res.status).toBe(200);
    expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-out');
  });

  it('reads email and key from a JSON body, and refuses broken JSON with 400', async () => {
    const email = address('json');
    const key = await callbackKey(email, SECRET);
    const ok = await call('/callbacks/opt-in', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, key }),
    });
    expect(ok.status).toBe(200);
    expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-in');
    const broken = await call('/callbacks/opt-in', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"email":' });
    expect(broken).toEqual({ status: 400, body: { error: 'body is not valid JSON' } });
  });
});

describe('callback ordering and bookkeeping', () => {
  it('an opt-in that arrives after a newer opt-out does not win', async () => {
    const email = address();
    const key = await callbackKey(email, SECRET);
    // The shop recorded an unsubscribe "in the future" relative to this callback's arrival.
    const { recordConsent } = await import('./store.ts');
    await recordConsent(env.CONSENTS, { email, status: 'opt-out', changedAt: Date.now() + 60_000, source: 'shop' });
    expect((await call(`/callbacks/opt-in?email=${email}&key=${key}`)).status).toBe(200);
    expect((await readConsent(env.CONSENTS, email))?.status).toBe('opt-out');
  });

  it('records the last accepted and the last refused callback for the setup page', async () => {
    // Another file may have refused a callback in this instance within the note interval (activity.ts).
    resetRefusedNotes();
    const email = address();
    const key = await callbackKey(email, SECRET);
    // In-process, without an execution context: the bookkeeping is awaited before the answer.
    await app.request(`/callbacks/opt-out?email=${email}&key=${key}`, {}, env);
    const accepted = await env.CONSENTS.get<CallbackSeen>(LAST_CALLBACK_KEY, 'json');
    expect(accepted).toMatchObject({ kind: 'opt-out', outcome: 'changed' });
    await app.request(`/callbacks/opt-in?email=${email}&key=bad`, {}, env);
    const refused = await env.CONSENTS.get<CallbackSeen>(LAST_REFUSED_CALLBACK_KEY, 'json');
    expect(refused).toMatchObject({ kind: 'opt-in', outcome: 'wrong key' });
  });

  it('stores the test address with source "test", outside the changes log', async () => {
    const key = await callbackKey(TEST_EMAIL, SECRET);
    const before = await logIds();
    await call(`/callbacks/opt-in?email=${TEST_EMAIL}&key=${key}`);
    await call(`/callbacks/opt-out?email=${TEST_EMAIL}&key=${key}`);
    expect(await readConsent(env.CONSENTS, TEST_EMAIL)).toMatchObject({ status: 'opt-out', source: 'test' });
    expect(await logIds()).toEqual(before);
  });

  it('refuses every callback while CALLBACK_SECRET is unset (503: fail closed, naming the setting)', async () => {
    const email = address();
    const res = await call(`/callbacks/opt-in?email=${email}&key=${await callbackKey(email, '')}`, {}, { ...env, CALLBACK_SECRET: '' });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/CALLBACK_SECRET/);
  });
});
