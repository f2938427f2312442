// Test fixture: signs legacy-API bodies the way the worker's client does (contract B) and posts them.
import { createHash, randomUUID } from 'node:crypto';
import type { SimulatorAccount } from './auth.ts';

export const TEST_ACCOUNT: SimulatorAccount = {
  clientId: 'testclient01',
  apiSecret: 'test-only-api-secret',
  owner: 'owner@shop.example',
};

export function authFields(account: SimulatorAccount = TEST_ACCOUNT): Record<string, unknown> {
  const apiKey = randomUUID();
  const sha = createHash('sha1')
    .update(apiKey + account.clientId + account.apiSecret)
    .digest('hex');
  return { clientId: account.clientId, apiKey, sha, requestTime: Date.now(), owner: account.owner };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** POSTs `body` (an object is signed unless `signed: false`; a string is sent as is). */
export async function post(baseUrl: string, path: string, body: unknown, options: { signed?: boolean; signal?: AbortSignal } = {}): Promise<Reply> {
  const payload = typeof body === 'string' ? body : JSON.stringify(options.signed === false ? body : { ...authFields(), ...(body as object) });
  const response = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json;charset=UTF-8' },
    body: payload,
    signal: options.signal,
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Non-JSON answers (faults) are checked through `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function getJson<T>(baseUrl: string, path: string): Promise<T> {
  const response = await fetch(baseUrl + path);
  return (await response.json()) as T;
}

/** A valid contactEvent, overridable field by field. */
export function contactEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contactExtEventType: 'PURCHASE',
    date: 1_760_000_000_000,
    externalId: `order-${randomUUID()}`,
    value: 99.5,
    products: 'p1,p2',
    location: 'sm_edge_demo',
    ...overrides,
  };
}
