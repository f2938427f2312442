import { readConfig } from '../config.ts';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsentWebhook, QueueMessage } from '../queue/messages.ts';
import type { Env } from '../env.ts';
import { checkSignature } from '../identity/signature.ts';
import { acceptCallback } from './callback.ts';
import { callbackKey } from './callback-key.ts';
import { deliverConsentWebhook } from './webhook.ts';

const env: Env = workerEnv;
const HOOK = 'https://shop.example/hooks/consent?src=sm';

afterEach(() => vi.restoreAllMocks());

function withQueue(extra: Partial<Env> = {}) {
  const sent: QueueMessage[] = [];
  const queue = {
    send: async (m: QueueMessage) => void sent.push(m),
    sendBatch: async (ms: { body: QueueMessage }[]) => void sent.push(...ms.map((m) => m.body)),
  } as unknown as Queue<QueueMessage>;
  return { bindings: { ...env, EVENTS: queue, ...extra } as Env, sent };
}

const change: ConsentWebhook = {
  id: '1767225600000:0123456789abcdef',
  email: 'hook@example.com',
  status: 'opt-out',
  changedAt: 1767225600000,
  source: 'salesmanago',
};

describe('consent webhook', () => {
  it('queues a SALESmanago change when SHOP_WEBHOOK_URL is set, and nothing otherwise', async () => {
    const email = `hook-${Date.now()}@example.com`;
    const key = await callbackKey(email, env.CALLBACK_SECRET!);
    const on = withQueue({ SHOP_WEBHOOK_URL: HOOK });
    const later: Promise<unknown>[] = [];
    await acceptCallback(on.bindings, 'opt-in', { email, key }, { later, config: readConfig(on.bindings) });
    await Promise.all(later);
    expect(on.sent).toEqual([{ kind: 'consent-webhook', change: expect.objectContaining({ email, status: 'opt-in', source: 'salesmanago' }) }]);

    const off = withQueue({ SHOP_WEBHOOK_URL: '' });
    const offLater: Promise<unknown>[] = [];
    await acceptCallback(off.bindings, 'opt-out', { email, key }, { later: offLater, config: readConfig(off.bindings) });
    await Promise.all(offLater);
    expect(off.sent).toEqual([]);
  });

  it('POSTs the change signed with Sm-Edge-Signature', async () => {
    const calls: Request[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      calls.push(new Request(input, init));
      return new Response('ok');
    });
    await deliverConsentWebhook(change, readConfig({ ...env, SHOP_WEBHOOK_URL: HOOK }));
    expect(calls).toHaveLength(1);
    const req = calls[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(HOOK);
    const body = await req.text();
    expect(JSON.parse(body)).toEqual(change);
    const check = await checkSignature(
      req.headers.get('Sm-Edge-Signature'),
      env.SHOP_API_SECRET!,
      'POST',
      '/hooks/consent?src=sm',
      body,
      Math.floor(Date.now() / 1000),
    );
    expect(check.ok).toBe(true);
  });

  it('throws when the shop fails, so that the queue retries', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('down', { status: 502 }));
    await expect(deliverConsentWebhook(change, readConfig({ ...env, SHOP_WEBHOOK_URL: HOOK }))).rejects.toThrow(/HTTP 502/);
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => {
      throw new TypeError('connection refused');
    });
    await expect(deliverConsentWebhook(change, readConfig({ ...env, SHOP_WEBHOOK_URL: HOOK }))).rejects.toThrow(/unreachable/);
  });

  it('does nothing once SHOP_WEBHOOK_URL is removed', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    await deliverConsentWebhook(change, readConfig({ ...env, SHOP_WEBHOOK_URL: '' }));
    expect(spy).not.toHaveBeenCalled();
  });
});
