// One opt-in/opt-out callback from SALESmanago: check the address and the key, store the status.
// Plain function; the route only extracts email/key, answers {"success": true} when it returns and
// schedules `later` with waitUntil. A refusal is thrown (worker/errors.ts), its note left in `later`.
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { LAST_CALLBACK_KEY, noteCallback, noteRefusedCallback } from './activity.ts';
import { keyMatches } from './callback-key.ts';
import type { ConsentStatus } from './changes.ts';
import { readEmail } from './email.ts';
import { recordConsent, TEST_EMAIL } from './store.ts';
import { NEWSLETTER, recordStatements } from './proof.ts';
import { isErased } from './suppression.ts';
import { enqueueConsentWebhook } from './webhook.ts';
import { logError } from '../log.ts';
import { Forbidden, InvalidRequest, type RequestRefused, Unavailable } from '../errors.ts';

export interface CallbackOptions {
  now?: number;
  /** The request's parsed configuration (c.var.config). */
  config: Config;
  /** Receives the work that must not delay the answer (activity notes, webhook enqueue), refused or not. */
  later: Promise<unknown>[];
}

export async function acceptCallback(
  env: Env,
  kind: ConsentStatus,
  input: { email?: string | null; key?: string | null },
  options: CallbackOptions,
): Promise<void> {
  const { now = Date.now(), config, later } = options;
  // The refusal, its note left for after the answer.
  const refused = (refusal: RequestRefused, reason: string): RequestRefused => {
    later.push(noteRefusedCallback(env.CONSENTS, { at: now, kind, outcome: reason }));
    return refusal;
  };

  const read = readEmail(input.email);
  if (!read.ok) throw refused(new InvalidRequest(read.error), read.error);
  const secret = config.callbackSecret;
  // Fail closed: readConfig refuses a secret below its minimum length as if it were not set.
  if (!secret)
    throw refused(new Unavailable('callbacks are disabled: CALLBACK_SECRET is not set or too short on the worker'), 'CALLBACK_SECRET not set or too short');
  const key = (input.key ?? '').trim();
  if (!key) throw refused(new Forbidden('key is missing'), 'key missing');
  if (!(await keyMatches(key, read.email, read.asReceived, secret))) {
    // A literal "sha1(" means the template was pasted where SALESmanago does not evaluate it.
    const hint = /^sha1\(/i.test(key) ? ' (it still reads sha1(...): SALESmanago did not evaluate it)' : '';
    throw refused(new Forbidden(`key does not match the e-mail${hint}`), `wrong key${hint}`);
  }

  const test = read.email === TEST_EMAIL;
  const source = test ? 'test' : 'salesmanago';
  let result: Awaited<ReturnType<typeof recordConsent>>;
  try {
    // A late callback of an erased person stores nothing (suppression.ts); answered as done, so that
    // SALESmanago does not retry it.
    if (config.shopApiSecret && (await isErased(env.LEDGER, config.shopApiSecret, read.email))) {
      later.push(noteCallback(env.CONSENTS, LAST_CALLBACK_KEY, { at: now, kind, outcome: 'refused: erased' }));
      return;
    }
    // SALESmanago sends no time: the change happened when we received it.
    result = await recordConsent(env.CONSENTS, { email: read.email, status: kind, changedAt: now, source }, { log: env.LEDGER });
  } catch (err) {
    logError('consent not stored', { kind }, err);
    throw new Unavailable('the consent could not be stored, try again');
  }

  if (!test) later.push(noteCallback(env.CONSENTS, LAST_CALLBACK_KEY, { at: now, kind, outcome: result.outcome }));
  // Every statement SALESmanago reports is proof, a repeated one too (newsletter: the e-mail pair).
  if (!test) {
    later.push(
      recordStatements(env.LEDGER, [
        { email: read.email, name: NEWSLETTER, accepted: kind === 'opt-in', statedAt: now, receivedAt: now, source: 'salesmanago' },
      ]).catch((err: unknown) => logError('consent proof not recorded', {}, err)),
    );
  }
  if (result.id) {
    const change = { id: result.id, email: read.email, status: kind, changedAt: now, source };
    later.push(enqueueConsentWebhook(env, change, config).catch((err: unknown) => logError('consent webhook not queued', {}, err)));
  }
}
