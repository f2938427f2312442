// SALESmanago's legacy API authentication (docs/salesmanago-api.md §1.1): every body carries clientId, a caller
// chosen apiKey, sha = sha1(apiKey + clientId + apiSecret), requestTime in ms, and the owner's e-mail.
// Messages never contain the sha or the secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isMillis, type JsonObject } from './validation.ts';
import type { CatalogSeed } from './catalog.ts';

export interface SimulatorAccount {
  clientId: string;
  apiSecret: string;
  /** The SALESmanago user e-mail contacts belong to. */
  owner: string;
  /** More owners (users) of the same account, if any. */
  owners?: string[];
  /** API v3 key (the `API-KEY` header of /v3/… calls); without one the account has no v3 access. */
  apiV3Key?: string;
  /** Product catalogs the account starts with (and gets back on reset). */
  catalogs?: readonly CatalogSeed[];
  /**
   * The named (GDPR) consents defined in the account (SALESmanago: Settings > Consents). When given, an
   * upsert whose consentDetails names another one is refused (docs/privacy.md "Sent to SALESmanago");
   * without it every name is taken.
   */
  consents?: readonly string[];
}

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export type AuthResult = { ok: true; account: SimulatorAccount; owner: string } | { ok: false; messages: string[] };

export function authenticate(body: JsonObject, accounts: readonly SimulatorAccount[]): AuthResult {
  const { clientId, apiKey, sha, requestTime, owner } = body;
  if (typeof clientId !== 'string' || clientId === '') return { ok: false, messages: ['clientId is required'] };
  const account = accounts.find((a) => a.clientId === clientId);
  if (!account) return { ok: false, messages: ['Not authenticated: unknown clientId'] };
  if (typeof apiKey !== 'string' || apiKey === '') return { ok: false, messages: ['apiKey is required'] };
  if (typeof sha !== 'string' || !sameText(sha, sha1Hex(apiKey + clientId + account.apiSecret))) {
    return { ok: false, messages: ['Not authenticated'] };
  }
  if (requestTime === undefined || requestTime === null) return { ok: false, messages: ['requestTime is required'] };
  if (!isMillis(requestTime)) return { ok: false, messages: ['requestTime must be a Unix time in milliseconds'] };
  if (typeof owner !== 'string' || owner === '') return { ok: false, messages: ['owner is required'] };
  const owners = [account.owner, ...(account.owners ?? [])].map((o) => o.toLowerCase());
  if (!owners.includes(owner.trim().toLowerCase())) return { ok: false, messages: [`Owner not found: ${owner.slice(0, 254)}`] };
  return { ok: true, account, owner: owner.trim().toLowerCase() };
}
