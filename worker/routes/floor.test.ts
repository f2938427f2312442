import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { app } from '../index.ts';

const env: Env = workerEnv;

async function post(bindings: Env) {
  const ctx = createExecutionContext();
  const res = await app.request('/floor/bindings?v=bench-v1', { method: 'POST', body: '{"v":2,"u":"bench-v1","e":[]}' }, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('POST /floor/bindings (benchmarks only)', () => {
  it('does not exist unless BENCH_FLOOR is "true"', async () => {
    expect((await post({ ...env, BENCH_FLOOR: undefined })).status).toBe(404);
  });
  it('answers 202 after the same platform calls as POST /e', async () => {
    const res = await post({ ...env, BENCH_FLOOR: 'true' });
    expect(res.status).toBe(202);
  });
});

describe('POST /floor/signed (benchmarks only)', () => {
  it('does not exist unless BENCH_FLOOR is "true"; makes exactly one D1 write and one queue send', async () => {
    const sends: unknown[] = [];
    const writes: string[] = [];
    const ledger = new Proxy(env.LEDGER, {
      get(target, key) {
        if (key === 'prepare') return (sql: string) => (writes.push(sql), target.prepare(sql));
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const queue = { send: async (m: unknown) => void sends.push(m), sendBatch: async () => undefined } as unknown as Queue;
    const request = async (bindings: Env) => {
      const ctx = createExecutionContext();
      const res = await app.request('/floor/signed', { method: 'POST', body: '{"type":"purchase"}' }, bindings, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    expect((await request({ ...env, BENCH_FLOOR: undefined })).status).toBe(404);
    expect((await request({ ...env, BENCH_FLOOR: 'true', LEDGER: ledger, EVENTS: queue })).status).toBe(202);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^INSERT/);
    expect(sends).toHaveLength(1);
  });
});

describe('POST /floor (benchmarks: the no-op floor)', () => {
  it('answers 204 before any middleware runs (a middleware reading the configuration it skipped made it a 500)', async () => {
    const ctx = createExecutionContext();
    const res = await app.request('/floor', { method: 'POST', body: 'x' }, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(204);
  });
});
