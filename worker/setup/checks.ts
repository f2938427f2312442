// The setup page's two buttons: "Test connection" (docs/seed.md step 3: are the four values right?) and
// "Test callback URL" (docs/seed.md step 5: do the callbacks accept SALESmanago's key and store the status?).
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { callbackKey } from '../consent/callback-key.ts';
import type { ConsentStatus } from '../consent/changes.ts';
import { readConsent, TEST_EMAIL } from '../consent/store.ts';
import { acceptCallback } from '../consent/callback.ts';
import { RequestRefused } from '../errors.ts';
import { SalesmanagoClient, SalesmanagoError } from '../salesmanago/client.ts';
import { errorText } from '../log.ts';

/** Why a connection test failed, in the merchant's terms (the page words each one, in its language). */
type ConnectionFailure = 'not-configured' | 'auth' | 'owner' | 'unreachable' | 'not-api' | 'busy' | 'refused';

export type ConnectionTest =
  | { ok: true; owner: string; ownerIsContact: boolean }
  | { ok: false; error: string; reason?: ConnectionFailure; problems?: { name: string; problem: string }[] };

/** Reads SALESmanago's answer (or the lack of one) as one of the merchant's reasons. */
function connectionFailure(err: SalesmanagoError): ConnectionFailure {
  const said = err.messages.join(' ');
  if (/owner/i.test(said) && /not found|unknown|invalid|not exist/i.test(said)) return 'owner';
  if (/authenticat|clientid|client id|apikey|api key|api secret|sha|unauthori[sz]ed|forbidden/i.test(said) || err.status === 401 || err.status === 403)
    return 'auth';
  if (/timeout|network error/i.test(said)) return 'unreachable';
  if (err.status === 404 || err.status === 405 || /malformed reply/i.test(said)) return 'not-api';
  if (err.kind === 'transient') return 'busy';
  return 'refused';
}

/** One harmless authenticated call: does the owner exist as a contact? Any answer proves the credentials. */
export async function testConnection(config: Config, fetcher?: typeof fetch): Promise<ConnectionTest> {
  if (!config.salesmanago) {
    const names = config.problems.filter((p) => p.name.startsWith('SALESMANAGO_')).map((p) => `${p.name} ${p.problem}`);
    const problems = config.problems.filter((p) => p.name.startsWith('SALESMANAGO_'));
    return { ok: false, error: names.join('; ') || 'SALESmanago is not configured', reason: 'not-configured', problems };
  }
  try {
    const client = new SalesmanagoClient(config.salesmanago, fetcher);
    const ownerIsContact = await client.hasContact(config.salesmanago.owner);
    return { ok: true, owner: config.salesmanago.owner, ownerIsContact };
  } catch (err) {
    if (err instanceof SalesmanagoError) return { ok: false, error: err.message, reason: connectionFailure(err) };
    return { ok: false, error: errorText(err) };
  }
}

interface CallbackStep {
  kind: ConsentStatus;
  /** The URL as SALESmanago would call it (the key shortened for display). */
  url: string;
  httpStatus: number;
  answer: string;
  /** Status stored for the test address afterwards. */
  stored: string;
  ok: boolean;
}

export type CallbackTest = { ok: boolean; email: string; steps: CallbackStep[]; error?: string; reason?: 'no-secret' };

/**
 * Runs both callbacks of this worker in-process (no network round trip to itself), as SALESmanago
 * would with the test address, then checks the status stored. The test address is stored with
 * source "test", so it never appears in the shop's changes feed nor goes to the shop's webhook.
 */
export async function testCallbacks(env: Env, config: Config, origin: string): Promise<CallbackTest> {
  if (!config.callbackSecret) {
    return { ok: false, email: TEST_EMAIL, steps: [], error: 'CALLBACK_SECRET is not set', reason: 'no-secret' };
  }
  const key = await callbackKey(TEST_EMAIL, config.callbackSecret);
  const steps: CallbackStep[] = [];
  for (const kind of ['opt-in', 'opt-out'] as const) {
    // What the callback route runs for SALESmanago's call (routes/callbacks.ts), its bookkeeping awaited.
    const later: Promise<unknown>[] = [];
    let httpStatus = 200;
    let answer = JSON.stringify({ success: true });
    try {
      await acceptCallback(env, kind, { email: TEST_EMAIL, key }, { config, later });
    } catch (err) {
      if (!(err instanceof RequestRefused)) throw err;
      httpStatus = err.status;
      answer = JSON.stringify({ error: err.error });
    }
    await Promise.allSettled(later);
    const stored = (await readConsent(env.CONSENTS, TEST_EMAIL))?.status ?? 'unknown';
    steps.push({
      kind,
      url: `${origin}/callbacks/${kind}?email=${TEST_EMAIL}&key=${key.slice(0, 8)}…`,
      httpStatus,
      answer,
      stored,
      ok: httpStatus === 200 && stored === kind,
    });
  }
  return { ok: steps.every((s) => s.ok), email: TEST_EMAIL, steps };
}
