// Fault injection: each kind, per path and "*", seeded rates, and that a faulted request is not processed.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultInjector } from './faults.ts';
import { startSimulator, type Simulator } from './server.ts';
import { contactEvent, post, TEST_ACCOUNT } from './signed-request.ts';

const ADD = '/api/v2/contact/addContactExtEvent';
const UPSERT = '/api/contact/upsert';
const addBody = () => ({ email: 'f@example.com', contactEvent: contactEvent() });

describe('FaultInjector', () => {
  it('respects rates roughly and is deterministic for a seed', () => {
    const kinds = (seed: number) => {
      const injector = new FaultInjector(seed);
      expect(injector.configure({ '*': { errorRate: 0.2, rate429: 0.1, hangRate: 0.05, malformedRate: 0.15 } })).toEqual([]);
      return Array.from({ length: 4000 }, () => injector.decide('/x').fault?.kind ?? 'none');
    };
    const first = kinds(42);
    expect(kinds(42)).toEqual(first);
    expect(kinds(43)).not.toEqual(first);
    const share = (kind: string) => first.filter((k) => k === kind).length / first.length;
    expect(share('error')).toBeGreaterThan(0.17);
    expect(share('error')).toBeLessThan(0.23);
    expect(share('rate429')).toBeGreaterThan(0.08);
    expect(share('rate429')).toBeLessThan(0.12);
    expect(share('hang')).toBeGreaterThan(0.035);
    expect(share('hang')).toBeLessThan(0.065);
    expect(share('malformed')).toBeGreaterThan(0.12);
    expect(share('malformed')).toBeLessThan(0.18);
    expect(share('none')).toBeGreaterThan(0.46);
  });

  it('a path rule overrides "*" field by field', () => {
    const injector = new FaultInjector();
    injector.configure({ '*': { errorRate: 1, latencyMs: 5 }, '/a': { errorRate: 0 } });
    expect(injector.decide('/a')).toEqual({ latencyMs: 5, answerDelayMs: 0, minimalReplies: false });
    expect(injector.decide('/b').fault?.kind).toBe('error');
  });

  it('rejects bad settings and keeps the previous ones', () => {
    const injector = new FaultInjector();
    injector.configure({ '/a': { errorRate: 0.5 } });
    expect(injector.configure({ '/a': { errorRate: 1.5 } })).toEqual(['faults["/a"].errorRate must be between 0 and 1']);
    expect(injector.configure({ a: {} })[0]).toMatch(/must be "\*" or a path/);
    expect(injector.configure({ '*': { errorrate: 0.1 } })[0]).toMatch(/not a known fault setting/);
    expect(injector.configure({ '*': { latencyMs: -1 } })[0]).toMatch(/latencyMs/);
    expect(injector.configure([])).toEqual(['faults must be a JSON object']);
    expect(injector.config()).toEqual({ '/a': { errorRate: 0.5 } });
  });
});

describe('faults over HTTP', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim ??= await startSimulator({ accounts: [TEST_ACCOUNT], seed: 7 });
    sim.reset();
  });
  afterAll(() => sim.close());

  async function setFaults(config: unknown) {
    const response = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify(config) });
    expect(response.status).toBe(200);
  }

  it('errorRate answers 500/502/503 with HTML or JSON, only on that path, without processing', async () => {
    await setFaults({ [ADD]: { errorRate: 1 } });
    const statuses = new Set<number>();
    const bodies = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const reply = await post(sim.url, ADD, addBody());
      statuses.add(reply.status);
      bodies.add(reply.text.startsWith('<html>') ? 'html' : reply.json.success === false ? 'json' : 'other');
    }
    expect([...statuses].sort()).toEqual([500, 502, 503]);
    expect([...bodies].sort()).toEqual(['html', 'json']);
    expect(sim.state().events).toHaveLength(0);
    expect((await post(sim.url, UPSERT, { contact: { email: 'ok@example.com' } })).json.success).toBe(true);
    expect(sim.state().counts.faults).toEqual({ error: 30 });
  });

  it('rate429 answers 429 with Retry-After (default 1)', async () => {
    await setFaults({ '*': { rate429: 1 } });
    const reply = await post(sim.url, ADD, addBody());
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('1');
    await setFaults({ '*': { rate429: 1, retryAfterS: 7 } });
    expect((await post(sim.url, UPSERT, { contact: { email: 'a@example.com' } })).headers.get('retry-after')).toBe('7');
    expect(sim.state().events).toHaveLength(0);
    expect(sim.state().contacts).toHaveLength(0);
  });

  it('malformedRate answers HTTP 200 with a body that is not valid JSON, without processing', async () => {
    await setFaults({ [ADD]: { malformedRate: 1 } });
    for (let i = 0; i < 10; i++) {
      const reply = await post(sim.url, ADD, addBody());
      expect(reply.status).toBe(200);
      expect(() => JSON.parse(reply.text)).toThrow();
    }
    expect(sim.state().events).toHaveLength(0);
  });

  it('hangRate never answers and does not process', async () => {
    await setFaults({ [ADD]: { hangRate: 1 } });
    await expect(post(sim.url, ADD, addBody(), { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(sim.state().events).toHaveLength(0);
    expect(sim.calls()).toMatchObject([{ path: ADD, status: 0, ok: false, fault: 'hang', items: 1 }]);
  });

  it('latencyMs delays but still processes, even when the client gave up meanwhile', async () => {
    await setFaults({ [ADD]: { latencyMs: 400 } });
    await expect(post(sim.url, ADD, addBody(), { signal: AbortSignal.timeout(20) })).rejects.toThrow();
    await expect.poll(() => sim.state().events.length, { timeout: 5000 }).toBe(1);
    expect((await post(sim.url, ADD, addBody())).json.success).toBe(true);
  });

  it('faults never apply to /__sim routes', async () => {
    await setFaults({ '*': { errorRate: 1 }, '/__sim/state': { hangRate: 1 } });
    expect((await fetch(`${sim.url}/__sim/state`)).status).toBe(200);
    expect((await fetch(`${sim.url}/__sim/calls`)).status).toBe(200);
    expect((await fetch(`${sim.url}/__sim`)).status).toBe(200);
  });

  it('rates are roughly respected over HTTP and reproducible after reset (same seed)', async () => {
    const run = async () => {
      await setFaults({ seed: 11, [UPSERT]: { errorRate: 0.25, rate429: 0.25 } });
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) statuses.push((await post(sim.url, UPSERT, { contact: { email: `u${i}@example.com` } })).status);
      return statuses;
    };
    const first = await run();
    const ok = first.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThan(70);
    expect(ok).toBeLessThan(130);
    expect(first.filter((s) => s === 429).length).toBeGreaterThan(25);
    expect(sim.state().contacts).toHaveLength(ok);
    sim.reset();
    expect(await run()).toEqual(first);
  });

  it('rejects an invalid configuration with 400 {error}', async () => {
    const response = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ '*': { errorRate: 2 } }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'faults["*"].errorRate must be between 0 and 1' });
    const bad = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: '{' });
    expect(await bad.json()).toEqual({ error: 'body is not valid JSON' });
  });
});

describe('close()', () => {
  it('destroys hung connections and pending delays', async () => {
    const sim = await startSimulator({ accounts: [TEST_ACCOUNT] });
    sim.setFaults({ [ADD]: { hangRate: 1 }, [UPSERT]: { latencyMs: 60_000 } });
    const hung = post(sim.url, ADD, addBody());
    const delayed = post(sim.url, UPSERT, { contact: { email: 'late@example.com' } });
    await expect.poll(() => sim.calls().length).toBe(1);
    const settled = Promise.allSettled([hung, delayed]);
    await sim.close();
    expect((await settled).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(sim.state().contacts).toHaveLength(0);
  });
});
