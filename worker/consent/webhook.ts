// Optional push of consent changes to the shop (SHOP_WEBHOOK_URL). Changes are put on the events
// queue, and the queue consumer calls deliverConsentWebhook, so a failing shop gets the queue's
// retries and, in the end, the dead-letter queue.
import type { Config } from '../config.ts';
import type { ConsentWebhook } from '../queue/messages.ts';
import { sendMessages } from '../queue/send.ts';
import type { Env } from '../env.ts';
import { SIGNATURE_HEADER, sign } from '../identity/signature.ts';
import { errorText } from '../log.ts';

const WEBHOOK_TIMEOUT_MS = 10_000;

/** Queues a change for the shop when SHOP_WEBHOOK_URL is set; false when there is nothing to do. */
export async function enqueueConsentWebhook(env: Pick<Env, 'EVENTS'>, change: ConsentWebhook, config: Pick<Config, 'shopWebhookUrl'>): Promise<boolean> {
  if (!config.shopWebhookUrl) return false;
  await sendMessages(env.EVENTS, [{ message: { kind: 'consent-webhook', change } }]);
  return true;
}

/**
 * POSTs one change as JSON, signed like the shop's own requests (Sm-Edge-Signature over
 * `<t>.POST.<path with query>.<body>` with SHOP_API_SECRET). Throws on any failure so that the
 * queue retries it.
 */
export async function deliverConsentWebhook(
  change: ConsentWebhook,
  config: Pick<Config, 'shopWebhookUrl' | 'shopApiSecret'>,
  fetcher: typeof fetch = fetch,
): Promise<void> {
  // The URL was removed since the change was queued: the shop no longer wants pushes.
  if (!config.shopWebhookUrl) return;
  if (!config.shopApiSecret) throw new Error('consent webhook: SHOP_API_SECRET is not set, cannot sign');
  const url = new URL(config.shopWebhookUrl);
  const body = JSON.stringify(change);
  const t = Math.floor(Date.now() / 1000);
  let res: Response;
  try {
    res = await fetcher(url.toString(), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: await sign(config.shopApiSecret, t, 'POST', url.pathname + url.search, body),
      },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (err) {
    throw new Error(`consent webhook: ${url.host} unreachable: ${errorText(err)}`);
  }
  // Drain the body so the connection is released.
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`consent webhook: ${url.host} answered HTTP ${res.status}`);
}
