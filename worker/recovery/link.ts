// The cart-recovery link that goes into a CART event's description, as the official plugin puts its
// cart-recovery URL there (plugin 3.11.1 `Frontend/Plugins/Wc/WcEventModel.php:154-162`, built in
// `WcCartRecoveryModel.php:71-92`: the cart's lines and the smclient contact id in the URL). SALESmanago's
// abandoned-cart e-mails link to it. Ours is signed and expires (identity/recovery-token.ts).
import type { Config } from '../config.ts';
import { mintRecoveryToken, type RecoveryLine } from '../identity/recovery-token.ts';
import { LIMITS } from '../salesmanago/limits.ts';

/** Path of the recovery route (docs/contracts.md "Cart-recovery links and history import"). */
const RECOVERY_PATH = '/r/';

/** Partial: a delivery run's configuration may leave them out (links off). */
type LinkConfig = Partial<Pick<Config, 'cartRecovery' | 'shopApiSecret' | 'workerUrl' | 'publicPathPrefix'>>;

/**
 * Where links point: the shop's own origin under PUBLIC_PATH_PREFIX (first-party mode), so the smclient
 * cookie the link sets belongs to the shop; else WORKER_URL. Null: no links (the description stays the
 * cart page's URL).
 */
export function recoveryBase(config: LinkConfig): string | null {
  const template = config.cartRecovery?.template;
  if (!template || !config.shopApiSecret) return null;
  if (config.publicPathPrefix) {
    try {
      return new URL(template.replace(/\{(items|id|quantity)\}/g, 'x')).origin + config.publicPathPrefix;
    } catch {
      // cartTemplateProblem let it through, so it parses; keep WORKER_URL as the fallback anyway
    }
  }
  return config.workerUrl ?? null;
}

/** The link for a cart, or null when links are off or it would not fit SALESmanago's description. */
export async function recoveryLink(config: LinkConfig, lines: readonly RecoveryLine[], contactId: string | undefined, nowMs: number): Promise<string | null> {
  const base = recoveryBase(config);
  if (!base || !config.shopApiSecret || !config.cartRecovery || lines.length === 0) return null;
  const exp = Math.floor(nowMs / 1000) + config.cartRecovery.days * 86_400;
  const token = await mintRecoveryToken(config.shopApiSecret, {
    contactId: contactId ?? '',
    lines: lines.map((l) => ({ id: l.id, quantity: l.quantity })),
    exp,
  });
  const link = `${base}${RECOVERY_PATH}${token}`;
  return link.length <= LIMITS.description ? link : null;
}
