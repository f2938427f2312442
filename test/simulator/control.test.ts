// The /__sim inspection and control surface, the command line, and the run-wide simulator.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { LOCAL_ACCOUNT } from '../stack/local-values.ts';
import type { CallRecord } from './calls.ts';
import { startSimulator, type SimulationState, type Simulator } from './server.ts';
import { authFields, contactEvent, getJson, post, TEST_ACCOUNT } from './signed-request.ts';

const ADD = '/api/v2/contact/addContactExtEvent';

describe('inspection', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim ??= await startSimulator({ accounts: [TEST_ACCOUNT], callLogLimit: 5 });
    sim.reset();
  });
  afterAll(() => sim.close());

  it('GET /__sim/calls lists calls with seq, status, ok, items, messages; ?since filters', async () => {
    await post(sim.url, '/api/contact/upsert', { contact: { email: 'a@example.com' } });
    await post(sim.url, '/api/v2/contact/addBatchContactExtEvent', {
      events: [
        { email: 'a@example.com', contactEvent: contactEvent() },
        { email: 'x', contactEvent: contactEvent() },
      ],
    });
    await post(sim.url, ADD, { email: 'a@example.com', contactEvent: contactEvent({ contactExtEventType: 'NOPE' }) });
    const calls = await getJson<CallRecord[]>(sim.url, '/__sim/calls');
    const first = calls[0]?.seq as number;
    expect(calls).toMatchObject([
      { seq: first, path: '/api/contact/upsert', status: 200, ok: true, items: 1 },
      { seq: first + 1, path: '/api/v2/contact/addBatchContactExtEvent', status: 200, ok: true, items: 2, messages: [expect.stringMatching(/^events\[1\]/)] },
      { seq: first + 2, path: ADD, status: 200, ok: false, items: 1, messages: [expect.stringMatching(/NOPE/)] },
    ]);
    expect(calls[0]).not.toHaveProperty('messages');
    expect(typeof calls[0]?.at).toBe('number');
    expect((await getJson<CallRecord[]>(sim.url, `/__sim/calls?since=${first + 1}`)).map((c) => c.seq)).toEqual([first + 2]);
    expect((await fetch(`${sim.url}/__sim/calls?since=x`)).status).toBe(400);
  });

  it('GET /__sim/state counts events, duplicates by externalId and calls by path', async () => {
    const event = contactEvent({ externalId: 'order-1' });
    await post(sim.url, ADD, { email: 'a@example.com', contactEvent: event });
    await post(sim.url, ADD, { email: 'a@example.com', contactEvent: event });
    await post(sim.url, '/api/contact/addContactExtEvent', {
      email: 'b@example.com',
      contactEvent: contactEvent({ externalId: 'order-2', contactExtEventType: 'CART' }),
    });
    await post(sim.url, ADD, { email: 'b@example.com', contactEvent: contactEvent({ externalId: undefined }) });
    const state = await getJson<SimulationState>(sim.url, '/__sim/state');
    expect(state.events).toHaveLength(4);
    expect(state.contacts.map((c) => c.email)).toEqual(['a@example.com', 'b@example.com']);
    expect(state.counts).toMatchObject({
      calls: 4,
      ok: 4,
      failed: 0,
      events: 4,
      contacts: 2,
      byPath: { [ADD]: 3, '/api/contact/addContactExtEvent': 1 },
      eventsByType: { PURCHASE: 3, CART: 1 },
      eventsByExternalId: { 'PURCHASE:order-1': 2, 'CART:order-2': 1 },
      duplicateExternalIds: [{ externalId: 'PURCHASE:order-1', count: 2, eventIds: state.events.slice(0, 2).map((e) => e.eventId) }],
    });
  });

  it('the calls log is bounded but the counters are not', async () => {
    for (let i = 0; i < 8; i++) await post(sim.url, '/api/contact/hasContact', { email: 'a@example.com' });
    const seqs = sim.calls().map((c) => c.seq);
    expect(seqs).toHaveLength(5);
    expect(seqs.map((seq) => seq - (seqs[0] as number))).toEqual([0, 1, 2, 3, 4]);
    expect(sim.state().counts.calls).toBe(8);
    expect(sim.state().counts.byPath['/api/contact/hasContact']).toBe(8);
  });

  it('GET /__sim is a self-contained HTML page with escaped data', async () => {
    await post(sim.url, '/api/contact/upsert', { contact: { email: 'page@example.com', name: '<script>alert(1)</script>' } });
    sim.setFaults({ [ADD]: { errorRate: 0.5 } });
    const response = await fetch(`${sim.url}/__sim`);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('page@example.com');
    expect(html).toContain('&#60;script&#62;');
    expect(html).not.toContain('<script');
    expect(html).toContain('errorRate');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('never logs or echoes the apiSecret or the sha', async () => {
    const auth = authFields();
    await post(sim.url, ADD, { ...auth, email: 'a@example.com', contactEvent: contactEvent() }, { signed: false });
    const bad = await post(sim.url, ADD, { ...auth, sha: 'f'.repeat(40), email: 'a@example.com', contactEvent: contactEvent() }, { signed: false });
    const everything = [
      bad.text,
      await (await fetch(`${sim.url}/__sim/calls`)).text(),
      await (await fetch(`${sim.url}/__sim/state`)).text(),
      await (await fetch(`${sim.url}/__sim`)).text(),
    ].join('\n');
    for (const secret of [TEST_ACCOUNT.apiSecret, auth.sha as string, 'f'.repeat(40), auth.apiKey as string]) expect(everything).not.toContain(secret);
  });

  it('POST /__sim/reset clears contacts, events, calls and faults', async () => {
    await post(sim.url, ADD, { email: 'a@example.com', contactEvent: contactEvent() });
    sim.setFaults({ '*': { latencyMs: 1 } });
    const response = await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
    expect(await response.json()).toEqual({ ok: true });
    const state = sim.state();
    expect([state.contacts.length, state.events.length, state.counts.calls, sim.calls().length]).toEqual([0, 0, 0, 0]);
    expect(state.faults).toEqual({});
  });

  it('unknown control routes and methods answer 404/405 {error}', async () => {
    const unknown = await fetch(`${sim.url}/__sim/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'unknown control route /__sim/nothing' });
    const wrong = await fetch(`${sim.url}/__sim/reset`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('command line', () => {
  it('prints its URL, serves, and exits cleanly on SIGTERM', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, [main, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await expect.poll(() => output, { timeout: 20_000 }).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    const reply = await post(url, '/api/contact/hasContact', { ...authFields(LOCAL_ACCOUNT), email: 'a@example.com' }, { signed: false });
    expect(reply.json).toMatchObject({ success: true, result: false });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('rejects a bad port', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, [main, '--port', 'abc'], { stdio: 'ignore' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
  });
});

describe('run-wide simulator (test/global-setup.ts)', () => {
  it('accepts the local account', async () => {
    const url = inject('simulatorUrl');
    const reply = await post(url, '/api/contact/hasContact', { ...authFields(LOCAL_ACCOUNT), email: 'nobody@example.com' }, { signed: false });
    expect(reply.json).toEqual({ success: true, message: [], result: false });
  });
});
