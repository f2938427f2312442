// The queue consumer. Main queue: a message carries one or several events (or contacts); all the
// messages of a batch are flattened into one list of items, deduped against the ledger and delivered
// together (deliver.ts), then each MESSAGE is acked when all its items are settled, or retried when
// any of them must be (its items already delivered are skipped on redelivery, through the ledger).
// Each item counts its own attempts in the ledger (work.ts MAX_ATTEMPTS): a message retried for
// one failing item does not spend the budget of the others, and the queue's max_retries (100) is only
// the backstop for a consumer that cannot run at all.
// Dead-letter queue: record every item of what ran out of retries as 'dead'.
import { readConfig, type Config } from '../config.ts';
import { deliverConsentWebhook } from '../consent/webhook.ts';
import { deliverErasure } from '../consent/erasure.ts';
import { forgetStatements, recordBeaconStatements } from '../consent/proof.ts';
import { ERASED_REASON, erasedItems, erasedRowId } from '../consent/suppression.ts';
import { UNCONFIGURED, type ReasonKind } from './state.ts';
import { refuseErased } from '../ledger/erasure.ts';
import type { Env } from '../env.ts';
import { sendMessages } from '../queue/send.ts';
import { ledgerRow, type LedgerRow } from '../ledger/deliveries/rows.ts';
import { SalesmanagoClient } from '../salesmanago/client.ts';
import { MAX_DELAY_S, retryDelay, unconfiguredDelay } from './backoff.ts';
import { recordDeadLetters } from './dead-letters.ts';
import { deliver } from './deliver.ts';
import { unansweredOf, type WorkItem } from './work.ts';
import { FLUSH_AT, isFlush, park, parkable, parkedCount, parkedDueAt, takeParked, tickAgain, wholeFlush, type ShardScope } from './accumulator.ts';
import { routeBatch } from './shards.ts';
import { usableShards, withShardRouting } from '../queue/shards.ts';
import {
  insertMissingStep,
  loadStatesStep,
  markDelivered,
  recordOutcomes,
  startAttemptStep,
  type RowOutcome,
  type RowState,
} from '../ledger/deliveries/rows.ts';
import { readShardStateStep, type ShardState } from '../ledger/shards.ts';
import { anyMarksStep } from '../ledger/erasure.ts';
import { together } from '../ledger/parts.ts';
import { ledgerDatabases, ledgerOfShard } from '../ledger/databases.ts';
import {
  isPlatformDelivery,
  readItems,
  type ConsentWebhook,
  type EraseMessage,
  type ItemMessage,
  type PlatformDeliveryMessage,
  type QueueMessage,
} from '../queue/messages.ts';
import { keepDead, processQueued, QUEUED_RETRY_S } from '../platforms/kept.ts';
import { isDeadLetterQueue, shardOfQueue } from '../queue/names.ts';
import { deliverProducts, isProductsMessage } from './products.ts';
import { errorText, logError } from '../log.ts';

interface Entry {
  msg: Message<QueueMessage>;
  items: WorkItem[];
  webhook?: ConsentWebhook;
}

/**
 * One batch of a queue at a time in this isolate. Cloudflare runs one batch per queue at a time
 * (max_concurrency = 1 in wrangler.toml), which per-contact order rests on; the local broker does not:
 * miniflare's queue broker (miniflare/dist/src/workers/queues/broker.worker.js, `#flush`) starts the
 * next batch while one is still running once a full batch waits. Chained here, the local stack and the
 * benchmarks run as a deployment does; on Cloudflare the chain is always empty.
 */
const running = new Map<string, Promise<void>>();

export function handleQueue(batch: MessageBatch<QueueMessage>, env: Env, ctx: ExecutionContext): Promise<void> {
  const before = running.get(batch.queue) ?? Promise.resolve();
  const run = before.then(() => handleBatch(batch, env, ctx));
  const done = run.catch(() => undefined);
  running.set(batch.queue, done);
  void done.then(() => {
    if (running.get(batch.queue) === done) running.delete(batch.queue);
  });
  return run;
}

async function handleBatch(batch: MessageBatch<QueueMessage>, bindings: Env, _ctx: ExecutionContext): Promise<void> {
  if (isDeadLetterQueue(batch.queue)) {
    for (const msg of batch.messages) if (isPlatformDelivery(msg.body)) await keepDead(bindings, msg.body);
    return recordDeadLetters(batch, bindings, readConfig(bindings).ledgerDatabases);
  }
  // Parsed once per batch: every part of the batch works with the same configuration.
  const config = readConfig(bindings);
  const now = Date.now();
  // Delivery shards (queue/shards.ts, delivery/shards.ts): what this run sends goes to each contact's
  // shard, and what is not this shard's to deliver now is passed on before any delivery work.
  const scope: ShardScope = { shard: shardOfQueue(batch.queue), count: usableShards(bindings, config.deliveryShards) };
  if (scope.count % config.ledgerDatabases !== 0) {
    // Fewer queues declared than the shard count asks (usableShards), and not a multiple of the ledger
    // databases: a shard's contacts would span databases. Nothing is delivered, nothing lost.
    logError('delivery queues in use are not a multiple of LEDGER_DATABASES: declare them in wrangler.toml', {
      queues: scope.count,
      ledgers: config.ledgerDatabases,
    });
    for (const msg of batch.messages) msg.retry({ delaySeconds: MAX_DELAY_S });
    return;
  }
  const env = withShardRouting(bindings, scope.count);
  // The ledger database of this shard's contacts (ledger/databases.ts); env.LEDGER keeps what is no
  // contact's (shard state, erasure marks, consent proofs, the catalog). `contacts` is env with LEDGER
  // set to the shard's database, for the modules that only touch contacts' rows (the accumulator).
  const ledgers = ledgerDatabases(env, config.ledgerDatabases);
  const ledger = ledgerOfShard(env, config.ledgerDatabases, scope.shard);
  const contacts: Env = ledger === env.LEDGER ? env : { ...env, LEDGER: ledger };
  const itemIds = batch.messages.flatMap((m) => (carriesItems(m.body) ? readItems(m.body).map((item) => ledgerRow(item, '').id) : []));
  // The batch's first reads in one round trip (two with a shard database of its own): the shard state,
  // whether anyone was ever erased, and the ledger rows of every item (those of messages passed on to
  // another shard are read for nothing).
  const firstReads: Promise<[ShardState | null, boolean, Map<string, RowState>]> =
    ledger === env.LEDGER
      ? together(env.LEDGER, readShardStateStep(env.LEDGER), anyMarksStep(env.LEDGER), loadStatesStep(env.LEDGER, itemIds))
      : Promise.all([together(env.LEDGER, readShardStateStep(env.LEDGER), anyMarksStep(env.LEDGER)), together(ledger, loadStatesStep(ledger, itemIds))]).then(
          ([[state, marked], [states]]) => [state, marked, states],
        );
  const messages = await routeBatch(batch.messages, env, { ...scope, now, recorded: firstReads.then(([state]) => state) });
  const entries: Entry[] = [];
  let rows: LedgerRow[] = [];
  const all: ItemMessage[] = [];
  const erasures: Message<QueueMessage>[] = [];
  const platformDeliveries: Message<PlatformDeliveryMessage>[] = [];
  let flush = false;
  // Catalog products have their own ledger table and API (delivery/products.ts).
  const products = messages.filter((m) => isProductsMessage(m.body));
  const catalogDone = products.length > 0 ? deliverProductMessages(products, env, config) : Promise.resolve();
  for (const msg of messages) {
    if (isPlatformDelivery(msg.body)) {
      // A signed platform delivery that met an unwritable ledger (platforms/kept.ts).
      platformDeliveries.push(msg as Message<PlatformDeliveryMessage>);
      continue;
    }
    if (isProductsMessage(msg.body)) continue;
    if (msg.body.kind === 'erase') {
      // An erasure's SALESmanago delete (consent/erasure.ts), retried on its own.
      erasures.push(msg);
      continue;
    }
    if (isFlush(msg.body)) {
      // The accumulator's tick (accumulator.ts): deliver what is parked.
      flush = true;
      msg.ack();
      continue;
    }
    const items = readItems(msg.body);
    if (items.length === 0) {
      // Only our own code enqueues: an unreadable body is a bug, and retrying cannot fix it.
      console.error({ msg: 'unreadable queue message acknowledged', messageId: msg.id });
      msg.ack();
      continue;
    }
    const entry: Entry = { msg, items: [] };
    for (const item of items) {
      all.push(item);
      rows.push(ledgerRow(item, JSON.stringify(item)));
      if (item.kind === 'event') entry.items.push({ id: item.event.id, event: item.event, attempt: msg.attempts });
      else if (item.kind === 'contact') entry.items.push({ id: item.contact.id, contact: item.contact, attempt: msg.attempts });
      else {
        entry.items.push({ id: item.change.id, attempt: msg.attempts });
        entry.webhook = item.change;
      }
    }
    entries.push(entry);
  }
  if (platformDeliveries.length > 0) await processPlatformDeliveries(platformDeliveries, env, config);
  if (erasures.length > 0) await deliverErasures(erasures, env, config);
  if (entries.length === 0 && !flush) return catalogDone;

  try {
    // Items naming an erased person (a stale beacon, a queued event, a re-run import) are refused
    // with reason "erased" and never stored with what they carry (consent/suppression.ts).
    const [, marked, states] = await firstReads;
    const erased = await erasedItems(env.LEDGER, config.shopApiSecret, all, marked);
    if (erased.size > 0) {
      rows = rows.filter((r) => !erased.has(r.id));
      for (const e of entries) for (const item of e.items) if (erased.has(item.id)) item.outcome = { status: 'skipped' };
    }
    const fresh = await dedupe(entries, rows, states, ledger, now);
    // Browser newsletter signups seen for the first time: their consent statements, with proof.
    await recordBeaconStatements(
      env.LEDGER,
      all.flatMap((i) => (i.kind === 'event' && i.event.source === 'browser' && fresh.has(i.event.id) ? [i.event] : [])),
    );
    if (erased.size > 0) {
      const refused = all.map((i) => ledgerRow(i, '')).filter((r) => erased.has(r.id));
      await refuseErased(
        ledger,
        await Promise.all(refused.map(async ({ id, type, source, visitorId }) => ({ id: await erasedRowId(id, visitorId), type, source }))),
        ERASED_REASON,
        now,
      );
      // What a request path wrote for them on a stale "nobody erased" (consent/suppression.ts).
      await forgetStatements(
        env.LEDGER,
        env.CONSENTS,
        all.filter((i) => erased.has(ledgerRow(i, '').id)).flatMap((i) => (i.kind === 'contact' ? [i.contact.email] : [])),
      );
    }
    // From here on an item's attempt number is its own (ledger), not its message's.
    await Promise.all([
      deliverWebhooks(
        entries.filter((e) => e.webhook),
        ledger,
        config,
      ),
      deliverWork(
        entries.filter((e) => !e.webhook),
        contacts,
        config,
        flush,
        scope,
        ledgers,
      ),
    ]);
  } catch (err) {
    // A bug or a D1 outage: whatever is not settled yet is retried. Chunks SALESmanago confirmed are
    // already marked delivered, so they are skipped next time.
    logError('delivery batch failed', {}, err);
    for (const e of entries) {
      for (const item of e.items) {
        const o = item.outcome;
        if (!o || (o.status !== 'delivered' && o.status !== 'skipped')) {
          item.outcome = {
            status: 'retry',
            reason: `internal error: ${errorText(err)}`,
            delaySeconds: retryDelay(e.msg.attempts, undefined, Math.random, config.retryBaseS),
          };
        }
      }
    }
  }
  settleMessages(entries, config.retryBaseS);
  await catalogDone;
}

/** A message whose items go through the ledger here (not a platform delivery, catalog products, an erasure or a tick). */
function carriesItems(body: QueueMessage): boolean {
  return !isPlatformDelivery(body) && !isProductsMessage(body) && body.kind !== 'erase' && !isFlush(body);
}

async function deliverProductMessages(messages: Message<QueueMessage>[], env: Env, config: Config): Promise<void> {
  await deliverProducts(messages, { db: env.LEDGER, catalog: config.catalog, retryBaseS: config.retryBaseS });
}

async function processPlatformDeliveries(messages: Message<PlatformDeliveryMessage>[], env: Env, config: Config): Promise<void> {
  let retry: boolean[];
  try {
    retry = await processQueued(
      env,
      config,
      messages.map((m) => m.body),
    );
  } catch (err) {
    logError('queued platform deliveries failed', {}, err);
    retry = messages.map(() => true);
  }
  for (const [i, m] of messages.entries()) {
    if (retry[i]) m.retry({ delaySeconds: QUEUED_RETRY_S });
    else m.ack();
  }
}

async function deliverErasures(messages: Message<QueueMessage>[], env: Env, config: Config): Promise<void> {
  await Promise.all(
    messages.map(async (msg) => {
      try {
        const outcome = await deliverErasure(msg.body as EraseMessage, msg.attempts, env.LEDGER, config, (attempt, retryAfterS) =>
          config.salesmanago ? retryDelay(attempt, retryAfterS, Math.random, config.retryBaseS) : unconfiguredDelay(attempt),
        );
        if (outcome.done) msg.ack();
        else msg.retry({ delaySeconds: outcome.delaySeconds });
      } catch (err) {
        logError('erasure delete failed', {}, err);
        msg.retry({ delaySeconds: retryDelay(msg.attempts, undefined, Math.random, config.retryBaseS) });
      }
    }),
  );
}

/**
 * Creates the ledger rows of items that arrive without one (every POST /e beacon: queue-first), dated
 * by the item's receive time. Rows already delivered (or expired) are skipped; a second copy of an id
 * in one batch too (a retried beacon is the same ids in a second message). On a
 * redelivery (attempt > 1) a row that failed permanently (or spent its own budget: dead) is skipped as well: its message came back
 * for another of its items. A replayed message is a new message (attempt 1), so it is tried again.
 */
async function dedupe(entries: Entry[], rows: LedgerRow[], states: Map<string, RowState>, db: D1Database, now: number): Promise<Set<string>> {
  const missing = rows.filter((r) => !states.has(r.id));
  const seen = new Set<string>();
  const active: string[] = [];
  for (const e of entries) {
    for (const item of e.items) {
      const state = states.get(item.id);
      const status = state?.status;
      // (Never below the message's own count: a message delivered again counts for its items too.)
      item.attempt = Math.max(e.msg.attempts, (state?.attempts ?? 0) + 1);
      // An add of it went unanswered, or was in flight when a worker died (delivery/events.ts).
      const unanswered = unansweredOf(state?.lastError);
      if (unanswered >= 1) item.unconfirmed = true;
      if (unanswered === 2) item.resentUnanswered = true;
      if (state?.contactDone) item.contactDone = true;
      const settled = status === 'delivered' || status === 'expired' || ((status === 'failed' || status === 'dead') && e.msg.attempts > 1);
      // Its add and re-send both unanswered: not sent again before its recorded time, however its
      // message came back (a redelivery after a crash, a message-mate's shorter retry).
      const waitMs = unanswered === 2 && status === 'queued' ? (state?.nextAttemptAt ?? 0) - now : 0;
      if (seen.has(item.id) || settled) item.outcome = { status: 'skipped' };
      else if (waitMs > 1_000) {
        item.outcome = { status: 'retry', reason: state?.lastError ?? '', delaySeconds: Math.min(MAX_DELAY_S, Math.ceil(waitMs / 1000)) };
      } else active.push(item.id);
      seen.add(item.id);
    }
  }
  // The missing rows and the attempt count in one round trip (ledger/parts.ts together).
  await together(db, insertMissingStep(db, missing, now), startAttemptStep(db, active, now));
  return new Set(missing.map((r) => r.id));
}

/** `env.LEDGER` is the shard's ledger database (handleBatch's `contacts`); `ledgers` all of them, LEDGER first. */
async function deliverWork(entries: Entry[], env: Env, config: Config, flush: boolean, scope: ShardScope, ledgers: D1Database[]): Promise<void> {
  let items = entries.flatMap((e) => e.items).filter((i) => !i.outcome);
  const windowS = config.deliveryWindowS;
  if (config.salesmanago && (windowS > 0 || flush)) {
    // The accumulator: a small batch waits (parked in the ledger) for more, up to the window. A tick
    // flushes only when the oldest parked row's time is up (each parking sends one tick).
    const waiting = await parkedCount(env.LEDGER, scope);
    const candidates = items.filter(parkable);
    const full = waiting + candidates.length >= FLUSH_AT;
    // Due: a tick came and the oldest parked row's window is over (then everything waiting goes). A
    // tick in a batch that also fills a call is not due by that alone: whole calls go, the rest waits.
    const dueAt = flush && windowS > 0 ? await parkedDueAt(env.LEDGER, scope) : null;
    const due = flush && (windowS === 0 || (dueAt !== null && dueAt <= Date.now() + 500));
    if (windowS > 0 && !full && !due) {
      await park(env, candidates, windowS, Date.now(), scope);
      items = items.filter((i) => !i.outcome);
      if (flush && dueAt !== null && candidates.length === 0) await tickAgain(env, dueAt, Date.now(), scope);
    } else if (windowS > 0 && full && !due) {
      // Enough waits for whole calls: send those, the remainder keeps waiting (accumulator.ts wholeFlush).
      const split = wholeFlush(waiting, candidates);
      await park(env, split.park, windowS, Date.now(), scope);
      items = items.filter((i) => !i.outcome);
      if (split.takeParked > 0) items = [...items, ...(await takeParked(env, new Set(items.map((i) => i.id)), split.takeParked, scope))];
      // Older rows left waiting, whose tick may be the one consumed here: another for them.
      if (flush && dueAt !== null && split.park.length === 0 && waiting > split.takeParked) await tickAgain(env, dueAt, Date.now(), scope);
    } else if (waiting > 0) {
      items = [...items, ...(await takeParked(env, new Set(items.map((i) => i.id)), undefined, scope))];
    }
  }
  if (items.length === 0) return;
  const now = Date.now();
  if (!config.salesmanago) {
    // Not lost, not failed: kept on the queue until SALESmanago is configured.
    const missing = config.problems.filter((p) => p.name.startsWith('SALESMANAGO_')).map((p) => `${p.name} ${p.problem}`);
    const reason = `${UNCONFIGURED}: ${missing.join('; ')}`;
    for (const item of items) item.outcome = { status: 'retry', reason, delaySeconds: unconfiguredDelay(item.attempt) };
    // next_attempt_at: the hourly reconciliation must not take these long waits for lost messages.
    await recordOutcomes(
      env.LEDGER,
      items.map((i) => ({
        id: i.id,
        status: 'queued',
        error: reason,
        kind: 'unconfigured' satisfies ReasonKind,
        nextAttemptAt: now + unconfiguredDelay(i.attempt) * 1000,
      })),
      now,
    );
    return;
  }
  await deliver(items, {
    db: env.LEDGER,
    home: ledgers[0],
    ledgers,
    client: new SalesmanagoClient(config.salesmanago),
    patientClient: new SalesmanagoClient({ ...config.salesmanago, timeoutMs: patientTimeoutMs(config.salesmanago.timeoutMs) }),
    resendClient: new SalesmanagoClient({ ...config.salesmanago, timeoutMs: resendTimeoutMs(config.salesmanago.timeoutMs) }),
    resendTimeoutMs: resendTimeoutMs(config.salesmanago.timeoutMs),
    config,
    requeue: (messages) =>
      sendMessages(
        env.EVENTS,
        messages.map((m) => ({ message: m.body, delaySeconds: m.delaySeconds })),
      ),
    consents: env.CONSENTS,
  });
}

/**
 * How long an event add may take before the consumer gives up on it: three times the client's timeout
 * (90 s by default). Giving up on an add is what can duplicate it (SALESmanago has no idempotency key,
 * docs/delivery.md "Delivery guarantees"), and waiting costs the consumer wall time, not CPU; idempotent calls
 * (contact upserts, CART updates) keep the short timeout and are retried at once instead.
 */
function patientTimeoutMs(timeoutMs: number): number {
  return timeoutMs * 3;
}

/**
 * How long the one re-send of an unanswered add waits for its answer: six times the client's timeout
 * (3 minutes by default). A SALESmanago that stores at once and answers late (a local 2 s timeout and
 * answers after 8 s once made 400 events 1,040 duplicates) answers it, and that answer settles the
 * events with one duplicate each at most (docs/delivery.md "The bound"). Waiting costs wall time only;
 * a run starts no re-send it could not wait out (run.ts RUN_BUDGET_MS).
 */
function resendTimeoutMs(timeoutMs: number): number {
  return timeoutMs * 6;
}

async function deliverWebhooks(entries: Entry[], ledger: D1Database, config: Config): Promise<void> {
  const done: WorkItem[] = [];
  const rows: RowOutcome[] = [];
  await Promise.all(
    entries.map(async (e) => {
      const item = e.items[0];
      if (!item || item.outcome || !e.webhook) return;
      try {
        await deliverConsentWebhook(e.webhook, config);
        item.outcome = { status: 'delivered', contact: e.webhook.email };
        done.push(item);
      } catch (err) {
        const reason = errorText(err);
        const delaySeconds = retryDelay(e.msg.attempts, undefined, Math.random, config.retryBaseS);
        item.outcome = { status: 'retry', reason, delaySeconds };
        rows.push({ id: item.id, status: 'queued', error: reason, nextAttemptAt: Date.now() + delaySeconds * 1000 });
      }
    }),
  );
  const now = Date.now();
  await markDelivered(
    ledger,
    done.map((i) => ({ id: i.id, contact: i.outcome?.status === 'delivered' ? i.outcome.contact : '' })),
    now,
  );
  await recordOutcomes(ledger, rows, now);
}

/**
 * Each message on its own: retried when any of its items must be (after the longest delay any of
 * them asks for), acknowledged when every item is settled (delivered, failed, held, skipped).
 */
function settleMessages(entries: Entry[], retryBaseS: number): void {
  for (const e of entries) {
    let delay = -1;
    for (const item of e.items) {
      if (item.outcome?.status === 'retry') delay = Math.max(delay, item.outcome.delaySeconds);
      else if (!item.outcome) delay = Math.max(delay, retryDelay(e.msg.attempts, undefined, Math.random, retryBaseS));
    }
    if (delay >= 0) e.msg.retry({ delaySeconds: delay });
    else e.msg.ack();
  }
}
