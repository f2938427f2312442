// A consent change made on /setup (issue 23 item 1, source "setup"): the merchant withdraws a person's
// newsletter or SMS consent on their behalf (the person asked by phone, by letter, at the counter). It
// goes exactly as the shop API's unsubscribe would: a contact queued to SALESmanago with the opt-out
// flag of that pair (ledger first, ingest/enqueue.ts), a statement with proof (consent_proofs, source
// "setup"), and for the newsletter the consent store and its change log (source "setup"), so the shop
// learns of it through GET /api/v1/consents. An erased person is not brought back.
import * as v from 'valibot';
import type { Env } from '../env.ts';
import { contactStatements } from '../consent/proof.ts';
import { recordConsent } from '../consent/store.ts';
import { erasedAmong } from '../consent/suppression.ts';
import { proofsStatement } from '../ledger/consent-proofs.ts';
import { enqueue } from './enqueue.ts';
import { acceptShopContact } from './shop.ts';
import { shopContactSchema } from './shop-schema.ts';

export type SetupWithdrawal = 'newsletter' | 'sms';

export async function withdrawOnSetup(
  env: Pick<Env, 'LEDGER' | 'EVENTS' | 'CONSENTS'>,
  secret: string | null,
  email: string,
  which: SetupWithdrawal,
  ledgers = 1,
  now = Date.now(),
): Promise<'queued' | 'erased'> {
  if (secret && (await erasedAmong(env.LEDGER, secret, [{ kind: 'email', value: email }], { fresh: true })).size > 0) return 'erased';
  const contact = acceptShopContact(v.parse(shopContactSchema, { email, [which]: 'unsubscribe' }), now);
  const rows = contactStatements(contact, 'setup', {});
  await enqueue(env, [{ kind: 'contact', contact }], { now, alongside: [proofsStatement(env.LEDGER, rows)], ledgers });
  if (which === 'newsletter') {
    await recordConsent(env.CONSENTS, { email: contact.email, status: 'opt-out', changedAt: now, source: 'setup' }, { log: env.LEDGER, now });
  }
  return 'queued';
}
