// The /setup buttons that answer with something else than a page: the contact's download and the
// reconciliation pull. routes/setup.tsx calls one of these per handler (ARCHITECTURE.md, "The rules": routes are thin).
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { exportContact, type AccessDocument } from '../consent/access.ts';
import { readEmail } from '../consent/email.ts';
import { ledgerDatabases } from '../ledger/databases.ts';
import { reconcilable, reconcile, type PullRun, type ReconcilePlatform } from '../platforms/reconcile.ts';

/** Right of access from the contact view: the whole document of the posted e-mail, or null when the
 *  form holds no e-mail address. */
export async function contactExport(env: Env, config: Config, form: Record<string, unknown>): Promise<AccessDocument | null> {
  const read = readEmail(typeof form.email === 'string' ? form.email : null);
  return read.ok ? exportContact(ledgerDatabases(env, config.ledgerDatabases), env.CONSENTS, read.email) : null;
}

/** The reconciliation button: the platform checked (a refusal is thrown at once), its pull started. */
export function startReconcile(env: Env, config: Config, platform: string | undefined): { platform: ReconcilePlatform; run: Promise<PullRun> } {
  const name = reconcilable(config, platform);
  return { platform: name, run: reconcile(env, config, name) };
}
