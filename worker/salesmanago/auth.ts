// The legacy API's per-request authentication (docs/salesmanago-api.md §1.1): the caller picks a random
// apiKey and proves it knows the API secret with sha = sha1(apiKey + clientId + apiSecret).
import type { SalesmanagoConfig } from './types.ts';

export interface AuthFields {
  clientId: string;
  apiKey: string;
  sha: string;
  requestTime: number;
}

export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A fresh random apiKey: 32 hex characters, so the sha differs on every request. */
export function newApiKey(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

export async function authFields(config: Pick<SalesmanagoConfig, 'clientId' | 'apiSecret'>, apiKey = newApiKey(), now = Date.now()): Promise<AuthFields> {
  return {
    clientId: config.clientId,
    apiKey,
    sha: await sha1Hex(apiKey + config.clientId + config.apiSecret),
    requestTime: now,
  };
}
