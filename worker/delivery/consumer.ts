// The queue consumer. Main queue: dedupe against the ledger, deliver (deliver.ts), then ack or retry
// each message on its own. Dead-letter queue: record what ran out of retries as 'dead'.
import { readConfig, type Config } from '../config.ts';
import { deliverConsentWebhook } from '../consent/webhook.ts';
import type { Env } from '../env.ts';
import { ledgerRow, type LedgerRow } from '../ingest/ledger.ts';
import { SalesmanagoClient } from '../salesmanago/client.ts';
import { retryDelay, unconfiguredDelay } from './backoff.ts';
import { recordDeadLetters } from './dead-letters.ts';
import { deliver, type WorkItem } from './deliver.ts';
import { insertMissing, loadStates, markDelivered, recordOutcomes, startAttempt, type RowOutcome } from './ledger.ts';
import { EVENT_KINDS, type ConsentWebhook, type QueueMessage } from './messages.ts';

export const DEAD_LETTER_QUEUE = 'sm-edge-events-dlq';

interface Entry {
  msg: Message<QueueMessage>;
  items: WorkItem[];
  webhook?: ConsentWebhook;
}

export async function handleQueue(batch: MessageBatch<QueueMessage>, env: Env, _ctx: ExecutionContext): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) return recordDeadLetters(batch, env);
  const now = Date.now();
  const entries: Entry[] = [];
  const rows: LedgerRow[] = [];
  for (const msg of batch.messages) {
    const body = readable(msg.body);
    if (!body) {
      // Only our own code enqueues: an unreadable body is a bug, and retrying cannot fix it.
      console.error('unreadable queue message acknowledged', msg.id);
      msg.ack();
      continue;
    }
    rows.push(ledgerRow(body, JSON.stringify(body)));
    if (body.kind === 'event') entries.push({ msg, items: [{ id: body.event.id, event: body.event, attempt: msg.attempts }] });
    else if (body.kind === 'contact') entries.push({ msg, items: [{ id: body.contact.id, contact: body.contact, attempt: msg.attempts }] });
    else entries.push({ msg, items: [{ id: body.change.id, attempt: msg.attempts }], webhook: body.change });
  }
  if (entries.length === 0) return;

  try {
    await dedupe(entries, rows, env.LEDGER, now);
    const config = readConfig(env);
    await Promise.all([
      deliverWebhooks(entries.filter((e) => e.webhook), env),
      deliverWork(entries.filter((e) => !e.webhook), env, config),
    ]);
  } catch (err) {
    // A bug or a D1 outage: whatever is not settled yet is retried. Chunks SALESmanago confirmed are
    // already marked delivered, so they are skipped next time.
    console.error('delivery batch failed', err instanceof Error ? err.message : String(err));
    for (const e of entries) {
      for (const item of e.items) {
        const o = item.outcome;
        if (!o || (o.status !== 'delivered' && o.status !== 'skipped')) {
          item.outcome = { status: 'retry', reason: `internal error: ${err instanceof Error ? err.message : String(err)}`, delaySeconds: retryDelay(e.msg.attempts) };
        }
      }
    }
  }
  settleMessages(entries);
}

function readable(body: unknown): QueueMessage | null {
  if (typeof body !== 'object' || body === null) return null;
  const m = body as Partial<Record<'kind' | 'event' | 'contact' | 'change', unknown>>;
  const id = (x: unknown) => typeof x === 'object' && x !== null && typeof (x as { id?: unknown }).id === 'string';
  if (m.kind === 'event' && id(m.event) && (EVENT_KINDS as readonly unknown[]).includes((m.event as { type?: unknown }).type)) {
    return body as QueueMessage;
  }
  if (m.kind === 'contact' && id(m.contact) && typeof (m.contact as { email?: unknown }).email === 'string') return body as QueueMessage;
  if (m.kind === 'consent-webhook' && id(m.change)) return body as QueueMessage;
  return null;
}

/** Rows already delivered (or expired) are skipped; a second copy of an id in one batch too. */
async function dedupe(entries: Entry[], rows: LedgerRow[], db: D1Database, now: number): Promise<void> {
  const states = await loadStates(db, rows.map((r) => r.id));
  await insertMissing(db, rows.filter((r) => !states.has(r.id)), now);
  const seen = new Set<string>();
  const active: string[] = [];
  for (const e of entries) {
    for (const item of e.items) {
      const status = states.get(item.id)?.status;
      if (seen.has(item.id) || status === 'delivered' || status === 'expired') item.outcome = { status: 'skipped' };
      else active.push(item.id);
      seen.add(item.id);
    }
  }
  await startAttempt(db, active, now);
}

async function deliverWork(entries: Entry[], env: Env, config: Config): Promise<void> {
  const items = entries.flatMap((e) => e.items).filter((i) => !i.outcome);
  if (items.length === 0) return;
  const now = Date.now();
  if (!config.salesmanago) {
    // Not lost, not failed: kept on the queue until SALESmanago is configured.
    const missing = config.problems.filter((p) => p.name.startsWith('SALESMANAGO_')).map((p) => `${p.name} ${p.problem}`);
    const reason = `SALESmanago is not configured: ${missing.join('; ')}`;
    for (const item of items) item.outcome = { status: 'retry', reason, delaySeconds: unconfiguredDelay(item.attempt) };
    await recordOutcomes(env.LEDGER, items.map((i) => ({ id: i.id, status: 'queued', error: reason })), now);
    return;
  }
  await deliver(items, {
    db: env.LEDGER,
    client: new SalesmanagoClient(config.salesmanago),
    config,
    requeue: async (messages) => {
      await env.EVENTS.sendBatch(messages.map((m) => ({ body: m.body, contentType: 'json' as const, delaySeconds: m.delaySeconds })));
    },
  });
}

async function deliverWebhooks(entries: Entry[], env: Env): Promise<void> {
  const done: WorkItem[] = [];
  const rows: RowOutcome[] = [];
  await Promise.all(
    entries.map(async (e) => {
      const item = e.items[0];
      if (!item || item.outcome || !e.webhook) return;
      try {
        await deliverConsentWebhook(e.webhook, env);
        item.outcome = { status: 'delivered', contact: e.webhook.email };
        done.push(item);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        item.outcome = { status: 'retry', reason, delaySeconds: retryDelay(e.msg.attempts) };
        rows.push({ id: item.id, status: 'queued', error: reason });
      }
    }),
  );
  const now = Date.now();
  await markDelivered(env.LEDGER, done.map((i) => ({ id: i.id, contact: i.outcome?.status === 'delivered' ? i.outcome.contact : '' })), now);
  await recordOutcomes(env.LEDGER, rows, now);
}

/** Each message on its own: retried when any of its items must be, acknowledged otherwise. */
function settleMessages(entries: Entry[]): void {
  for (const e of entries) {
    let delay = -1;
    for (const item of e.items) {
      if (item.outcome?.status === 'retry') delay = Math.max(delay, item.outcome.delaySeconds);
      else if (!item.outcome) delay = Math.max(delay, retryDelay(e.msg.attempts));
    }
    if (delay >= 0) e.msg.retry({ delaySeconds: delay });
    else e.msg.ack();
  }
}
