// Hourly clean-up: forget expired replay signatures. (Held-event expiry is added by the delivery issue.)
import type { Env } from '../env.ts';

export async function handleScheduled(_controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  await env.LEDGER.prepare('DELETE FROM seen_signatures WHERE expires_at < ?').bind(Date.now()).run();
}
