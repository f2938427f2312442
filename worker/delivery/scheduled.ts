// Hourly clean-up: forget expired replay signatures, expire held events older than 30 days, forget
// open carts older than 12 h, and release held events whose visitor has been identified since
// (a safety net for the rare race where an event was held while another batch identified its visitor),
// and reconcile: rows still 'queued' long after their next attempt was due lost their queue message (a
// crash of the local in-memory queue, a failed send) and are enqueued again (replay.ts; safe, since
// delivery dedupes by id).
// The per-contact tables are on every ledger database (ledger/databases.ts): the clean-up and the
// release run on each, side by side; what lives in LEDGER alone (consent changes, catalog) once.
import { storedItem } from '../ledger/payloads.ts';
import type { Env } from '../env.ts';
import { packMessages, sendMessages } from '../queue/send.ts';
import { pruneCarts } from '../ledger/carts.ts';
import { expireOldHeld } from '../ledger/deliveries/held.ts';
import { heldOfIdentified, markReleased } from '../ledger/deliveries/replay.ts';
import { DAY_MS, pruneRetained } from './retention.ts';
import { HELD_FOR_MS, heldTooLongReason } from './state.ts';
import { pruneSeenSignatures } from '../ledger/seen-signatures.ts';
import type { ItemMessage } from '../queue/messages.ts';
import { replay } from './replay.ts';
import { readConfig } from '../config.ts';
import { withShardRouting } from '../queue/shards.ts';
import { replayKept } from '../platforms/kept.ts';
import { pruneChanges } from '../consent/changes.ts';
import { resendStale } from '../catalog/accept.ts';
import { reconcileAll } from '../platforms/reconcile.ts';
import { overEvery } from '../ledger/databases.ts';

/**
 * A queued row this late is taken as lost from the queue. Longer than the time a healthy backlog
 * takes to reach a row, so the hourly run does not duplicate messages that are merely waiting.
 */
export const RECONCILE_OVERDUE_MS = 15 * 60_000;

/** Held events released per run by the sweep (the rest wait for the next hour). */
const SWEEP_LIMIT = 1_000;

export interface CleanUp {
  signatures: number;
  expiredHeld: number;
  prunedCarts: number;
  released: number;
  /** Overdue queued rows enqueued again. */
  reconciled: number;
  /** Consent changes older than 90 days forgotten. */
  prunedChanges: number;
  /** Catalog products queued again (catalog/accept.ts resendStale). */
  catalogResent: number;
}

export async function handleScheduled(_controller: ScheduledController, bindings: Env, _ctx: ExecutionContext): Promise<void> {
  // Parsed once per run.
  const config = readConfig(bindings);
  // What the run sends again goes to each contact's delivery shard (queue/shards.ts).
  const env = withShardRouting(bindings, config.deliveryShards);
  const done = await cleanUp(env, Date.now(), config.ledgerDatabases);
  console.log({ msg: 'scheduled clean-up', ...done });
  console.log({ msg: 'retention', ...(await pruneRetained(env, Date.now(), config.retention, config.ledgerDatabases)) });
  // Kept platform deliveries (platforms/kept.ts): a refund that came before its purchase succeeds now.
  console.log({ msg: 'kept platform deliveries replayed', ...(await replayKept(env, config, { limit: 50 })) });
  // What the platforms' webhooks missed, pulled with their API credentials (platforms/reconcile.ts).
  for (const run of await reconcileAll(env, config)) console.log({ msg: 'reconciliation pull', ...run });
}

/** The hourly clean-up over `ledgers` ledger databases (config.ledgerDatabases; LEDGER alone by default). */
export async function cleanUp(env: Pick<Env, 'LEDGER' | 'EVENTS'>, now: number, ledgers = 1): Promise<CleanUp> {
  const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  const signatures = sum(await overEvery(env, ledgers, (db) => pruneSeenSignatures(db, now)));
  const expiredHeld = sum(await overEvery(env, ledgers, (db) => expireOldHeld(db, now - HELD_FOR_MS, heldTooLongReason(HELD_FOR_MS / DAY_MS), now)));
  const prunedCarts = sum(await overEvery(env, ledgers, (db) => pruneCarts(db, now)));
  const released = sum(await overEvery(env, ledgers, (db) => releaseIdentified(env, db, now)));
  const reconciled = (await replay(env, { statuses: ['queued'], now, overdueMs: RECONCILE_OVERDUE_MS, ledgers })).requeued;
  const prunedChanges = await pruneChanges(env.LEDGER, now);
  // Catalog products whose queue message was refused or lost (catalog/accept.ts).
  const catalogResent = await resendStale(env, now);
  return { signatures, expiredHeld, prunedCarts, released, reconciled, prunedChanges, catalogResent };
}

/** One database's held events whose visitor is known by now (its visitor links are in the same database). */
async function releaseIdentified(env: Pick<Env, 'EVENTS'>, db: D1Database, now: number): Promise<number> {
  const results = await heldOfIdentified(db, SWEEP_LIMIT);
  const readable: ItemMessage[] = results.flatMap((r) => storedItem(r.payload, r.id) ?? []);
  let released = 0;
  // Packed several to a message, like fresh events.
  await sendMessages(env.EVENTS, packMessages(readable), {
    sent: async (part) => {
      const ids = part.flatMap((p) => p.ids);
      await markReleased(db, ids, now);
      released += ids.length;
    },
  });
  return released;
}
