// One delivery run's shared state and its one way of making a call: the budgets every stage draws on
// (quick retries, isolation of refused items, single CART calls), the clock, and `settle`, which
// sends a chunk and turns SALESmanago's answer into outcomes. The stages (visitors, upserts, carts,
// events, outcomes) take a run; delivery/deliver.ts runs them in order.
import { SalesmanagoError } from '../salesmanago/errors.ts';
import type { ChunkResult } from '../salesmanago/types.ts';
import { markDeliveredStep, type DeliveredRow } from '../ledger/deliveries/rows.ts';
import { writeCartsStep } from '../ledger/carts.ts';
import { together } from '../ledger/parts.ts';
import { retryDelay } from './backoff.ts';
import { normaliseEmail } from './contacts.ts';
import type { MappingContext } from './mapping.ts';
import {
  refName,
  REFUSED_PREFIX,
  unansweredLevel,
  withUnanswered,
  type DeliveryClient,
  type DeliveryDeps,
  type Outcome,
  type Unanswered,
  type WorkItem,
} from './work.ts';

/**
 * Quick retries inside one run, before a failure goes back to the queue with the long delay: waits of
 * about 250 ms, 750 ms, 2 s and 5 s (jittered 50-150 %), a failing chunk split in halves at each step, so
 * that healthy items leave. Only within the first QUICK_BUDGET_MS of a run: a queue consumer may run
 * 15 minutes of wall time, and waiting costs no CPU (docs/delivery.md "Delivery guarantees").
 */
const QUICK_WAITS_MS = [250, 750, 2_000, 5_000];
const QUICK_BUDGET_MS = 60_000;
/** A Retry-After longer than this is honoured on the queue, not waited out in the run. */
const QUICK_RETRY_AFTER_MAX_S = 2;
/** Delay before a refused chunk whose bad item was not isolated in this run is tried again. */
const ISOLATE_DELAY_S = 2;
/**
 * Delay before the events of an add that got no answer are sent again (in chunks of UNCONFIRMED_CHUNK):
 * the run already waited 3 x the timeout for that answer, which is the pause a backoff step would give.
 * Without it, one hung add of a 300-order flush kept all 300 waiting 15 s plus a 15-30 s backoff
 * (docs/performance.md "Performance", 5b). That re-send is the only one made before an answer shows whether
 * SALESmanago holds the events: it waits longer still for its answer (consumer.ts resendTimeoutMs).
 */
export const UNCONFIRMED_RETRY_S = 2;
const UNCONFIRMED_QUICK_RESENDS = 1;
/**
 * When the re-send goes unanswered too, SALESmanago may hold the events twice already; the next send
 * waits this long (then the backoff from its cap), so that a third copy takes an hour of SALESmanago
 * storing adds without answering them (docs/delivery.md "The bound"). SALESmanago offers no read of a
 * contact's external events (the SDK calls only adds, `/api/contact/basic` answers no events), so
 * waiting is the only way left.
 */
export const UNANSWERED_TWICE_WAIT_S = 3_600;
/**
 * A run starts no re-send it could not wait out within this much of its wall time (a queue consumer
 * may run 15 minutes): the chunk is left for the next run, unsent, so a worker stopped mid-wait
 * does not turn an answer still coming into a second unanswered re-send.
 */
const RUN_BUDGET_MS = 12 * 60_000;
/**
 * Extra calls allowed per run to isolate the bad items of chunks SALESmanago refused. Past it, the
 * items not yet isolated are not failed: they are retried shortly (and isolation goes on), so a
 * refused item never fails an innocent one.
 */
const ISOLATE_BUDGET = 64;
/**
 * Single CART calls per batch. A batch can hold thousands of events; each cart costs a SALESmanago
 * call and its share of a D1 write, so past this many the remaining carts wait for the next run (keeps one
 * invocation well inside Workers' subrequest limit).
 */
export const CART_CALLS_PER_BATCH = 100;

// Errors that are the same for every item (wrong credentials): splitting the chunk would not help.
function accountWide(err: SalesmanagoError): boolean {
  return err.status === 401 || err.status === 403 || err.messages.some((m) => /authenticat|owner|api ?key|\bsha\b/i.test(m));
}

/** No answer in time: the call may or may not have been processed (worker/salesmanago/client.ts). */
export function isTimeout(err: SalesmanagoError): boolean {
  return err.messages.some((m) => m.includes('(timeout)'));
}

/** Runs `work` over the list with at most `limit` at a time. */
export async function inParallel<T>(list: readonly T[], limit: number, work: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < list.length) await work(list[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, lane));
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a confirmed call leaves to write: its rows delivered, and the open CART it opened or updated. */
interface Marks {
  rows: DeliveredRow[];
  opened: { key: string; eventId: string }[];
  touched: string[];
}

export interface SettleOptions {
  /** A re-send after a timeout cannot duplicate (contact upserts, event updates). */
  idempotent: boolean;
}

export class DeliveryRun {
  readonly deps: DeliveryDeps;
  readonly ctx: MappingContext;
  #isolate = ISOLATE_BUDGET;
  /** Errors whose items are retried after ISOLATE_DELAY_S rather than the backoff. */
  readonly #soon = new WeakSet<SalesmanagoError>();
  #cartCalls = CART_CALLS_PER_BATCH;
  readonly #started: number;
  /** The marks gathered for the next write, while the one before it is on its way (see `delivered`). */
  #next: (Marks & { written: Promise<void> }) | null = null;
  #writing: Promise<unknown> = Promise.resolve();

  constructor(deps: DeliveryDeps) {
    this.deps = deps;
    this.ctx = { location: deps.config.location, shopDomains: deps.config.shopDomains };
    this.#started = this.now();
  }

  get db(): D1Database {
    return this.deps.db;
  }

  /** LEDGER (DeliveryDeps.home). */
  get home(): D1Database {
    return this.deps.home ?? this.deps.db;
  }

  /** Every ledger database (DeliveryDeps.ledgers). */
  get ledgers(): D1Database[] {
    return this.deps.ledgers ?? [this.deps.db];
  }

  /** The client for calls that are not idempotent (DeliveryDeps.patientClient). */
  get patient(): DeliveryClient {
    return this.deps.patientClient ?? this.deps.client;
  }

  /** The client for the one re-send of an add that went unanswered (DeliveryDeps.resendClient). */
  get resend(): DeliveryClient {
    return this.deps.resendClient ?? this.patient;
  }

  now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Takes one of the run's single CART calls; false when they are spent. */
  takeCartCall(): boolean {
    if (this.#cartCalls <= 0) return false;
    this.#cartCalls -= 1;
    return true;
  }

  /** The outcome of a failed call for one item: failed (refused), or a retry after the backoff. */
  failure(err: unknown, item: WorkItem, what: string, ambiguous = false): Outcome {
    if (!(err instanceof SalesmanagoError)) throw err;
    // How many sends of it went unanswered, this one included (at most 2 are told apart).
    const before = unansweredLevel(item);
    const level: Unanswered = ambiguous ? (before === 0 ? 1 : 2) : before;
    const bare = `${what}: ${err.message}`;
    const reason = withUnanswered(bare, ambiguous ? level : 0);
    // Refused for what it carries (not the account's set-up): a replay would be refused again.
    if (err.kind === 'permanent') return accountWide(err) ? { status: 'failed', reason } : { status: 'failed', reason: REFUSED_PREFIX + reason, refused: true };
    if (this.#soon.has(err)) return { status: 'retry', reason, delaySeconds: ISOLATE_DELAY_S };
    const backoff = (steps: number) => retryDelay(steps, err.retryAfterS, this.deps.random, this.deps.config.retryBaseS);
    // Its add and the one re-send both unanswered: SALESmanago may hold it twice; wait an hour.
    if (level === 2) return { status: 'retry', reason, delaySeconds: Math.max(UNANSWERED_TWICE_WAIT_S, backoff(item.attempt)) };
    // Quick: an item's first timeout. Its one re-send goes 2 s later.
    if (ambiguous) return { status: 'retry', reason, delaySeconds: Math.max(UNCONFIRMED_RETRY_S, Math.ceil(err.retryAfterS ?? 0)) };
    // That quick re-send was no backoff step: the steps of an unconfirmed item start after it.
    const steps = item.unconfirmed ? Math.max(1, item.attempt - UNCONFIRMED_QUICK_RESENDS) : item.attempt;
    return { status: 'retry', reason, delaySeconds: backoff(steps) };
  }

  /** Whether a call that may wait `ms` for its answer still fits in the run's wall time. */
  hasTimeFor(ms: number): boolean {
    return this.now() - this.#started + ms <= RUN_BUDGET_MS;
  }

  /** Jittered wait before quick retry number `step` (0-based), or null when it must go to the queue. */
  #quickWait(step: number, err: SalesmanagoError): number | null {
    const base = QUICK_WAITS_MS[step];
    if (base === undefined || this.now() - this.#started > QUICK_BUDGET_MS) return null;
    if ((err.retryAfterS ?? 0) > QUICK_RETRY_AFTER_MAX_S) return null;
    const jittered = Math.round(base * (0.5 + (this.deps.random ?? Math.random)()));
    return Math.max(jittered, Math.ceil((err.retryAfterS ?? 0) * 1000));
  }

  /**
   * Marks the items delivered in the ledger at once, before anything else can fail; with `cart`, the
   * open CART the call opened or updated, in the same round trip. A group commit: the marks of calls
   * confirmed while a write is on its way go together in the next one, so a mark waits one write at most.
   */
  async delivered(entries: { item: WorkItem; smEventId?: string }[], cart?: { opened: string; key: string } | { touched: string }): Promise<void> {
    const rows: DeliveredRow[] = [];
    for (const { item, smEventId } of entries) {
      const contact = item.ref ? refName(item.ref) : normaliseEmail(item.contact?.email ?? '');
      item.outcome = smEventId ? { status: 'delivered', contact, smEventId } : { status: 'delivered', contact };
      rows.push(smEventId ? { id: item.id, contact, smEventId } : { id: item.id, contact });
    }
    if (rows.length === 0 && !cart) return;
    let next = this.#next;
    if (!next) {
      const marks: Marks = { rows: [], opened: [], touched: [] };
      const written = this.#writing.then(() => {
        if (this.#next?.written === written) this.#next = null;
        const now = this.now();
        return together(this.db, markDeliveredStep(this.db, marks.rows, now), writeCartsStep(this.db, marks.opened, marks.touched, now)).then(() => undefined);
      });
      next = this.#next = Object.assign(marks, { written });
      this.#writing = written.catch(() => undefined);
    }
    next.rows.push(...rows);
    if (cart && 'opened' in cart) next.opened.push({ key: cart.key, eventId: cart.opened });
    else if (cart) next.touched.push(cart.touched);
    await next.written;
  }

  /**
   * Sends a chunk. A transient failure is retried at once a few times (QUICK_WAITS_MS), the chunk
   * split in halves each time so that healthy items leave; a timeout of a call that is not idempotent
   * is not retried here (see `ambiguous` in fail). A chunk SALESmanago refuses for a reason that is
   * not account-wide is halved until the refused items stand alone (within ISOLATE_BUDGET calls per
   * run; the items not isolated yet are retried, never failed).
   */
  async settle<I, T>(
    items: I[],
    /** `after`: the failure this call retries, if it is a retry (a call may change what it sends again). */
    call: (xs: I[], after?: SalesmanagoError) => Promise<ChunkResult<T>[]>,
    ok: (xs: I[], value: T) => Promise<void>,
    fail: (xs: I[], err: SalesmanagoError, ambiguous: boolean) => void,
    options: SettleOptions,
    step = 0,
    after?: SalesmanagoError,
  ): Promise<void> {
    for (const r of await call(items, after)) {
      const part = items.slice(r.start, r.end);
      if (r.ok) {
        await ok(part, r.value);
        continue;
      }
      const err = r.error;
      if (err.kind === 'permanent') {
        if (part.length > 1 && !accountWide(err)) {
          if (this.#isolate >= 2) {
            this.#isolate -= 2;
            const mid = Math.ceil(part.length / 2);
            await this.settle(part.slice(0, mid), call, ok, fail, options, step);
            await this.settle(part.slice(mid), call, ok, fail, options, step);
          } else {
            const isolating = new SalesmanagoError('transient', [`refused a chunk, isolating the refused item: ${err.message}`]);
            this.#soon.add(isolating);
            fail(part, isolating, false);
          }
        } else fail(part, err, false);
        continue;
      }
      const ambiguous = !options.idempotent && isTimeout(err);
      const wait = ambiguous ? null : this.#quickWait(step, err);
      if (wait === null) {
        fail(part, err, ambiguous);
        continue;
      }
      await (this.deps.sleep ?? defaultSleep)(wait);
      if (part.length > 1) {
        const mid = Math.ceil(part.length / 2);
        await Promise.all([
          this.settle(part.slice(0, mid), call, ok, fail, options, step + 1, err),
          this.settle(part.slice(mid), call, ok, fail, options, step + 1, err),
        ]);
      } else await this.settle(part, call, ok, fail, options, step + 1, err);
    }
  }
}
