// The event stage (events.ts): chunks go side by side, so a contact's events are kept in one chunk,
// in the batch's order; a chunk that hangs does not hold back the others.
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import type { EventItem } from '../salesmanago/types.ts';
import { CHUNK_SIZE } from '../salesmanago/limits.ts';
import { deliver } from './deliver.ts';
import type { DeliveryClient, WorkItem } from './work.ts';
import { browserEvent, email, env, orderEvent } from '../test/delivery-fixtures.ts';

/** A client that records each batch add and answers at once (or after `holdFirstMs` for the first). */
function recordingClient(holdFirstMs = 0): { client: DeliveryClient; adds: EventItem[][]; maxInFlight: () => number } {
  const adds: EventItem[][] = [];
  let now = 0;
  let max = 0;
  const client: DeliveryClient = {
    batchUpsertContacts: async (cs) => [{ start: 0, end: cs.length, truncations: [], ok: true, value: { contactIds: {} } }],
    addEvent: async () => ({ eventId: 'e', truncations: [] }),
    updateEvent: async (eventId) => ({ eventId, truncations: [] }),
    batchAddEvents: async (xs) => {
      const first = adds.length === 0;
      adds.push(xs);
      now += 1;
      max = Math.max(max, now);
      if (first && holdFirstMs > 0) await new Promise((r) => setTimeout(r, holdFirstMs));
      await Promise.resolve();
      now -= 1;
      return [{ start: 0, end: xs.length, truncations: [], ok: true, value: { failed: [], created: xs.length, failedAmount: 0, unnamedFailures: 0 } }];
    },
  };
  return { client, adds, maxInFlight: () => max };
}

const deps = (client: DeliveryClient) => ({
  db: env.LEDGER,
  client,
  config: readConfig(env),
  requeue: async () => {},
  sleep: async () => {},
});
const refOf = (x: EventItem) => ('email' in x.contact ? x.contact.email : x.contact.contactId);

describe('event batches', () => {
  it('keeps one contact’s events in one chunk, in order, even when the batch has them a chunk apart', async () => {
    const who = email('together');
    const visit = browserEvent('visit', { email: who, occurredAt: Date.now() - 1_000 });
    const others = Array.from({ length: CHUNK_SIZE - 1 }, () => browserEvent('visit', { email: email('other') }));
    const purchase = orderEvent('purchase', { email: who });
    const items: WorkItem[] = [visit, ...others, purchase].map((event) => ({ id: event.id, event, attempt: 1 }));
    const { client, adds } = recordingClient();
    const all = await deliver(items, deps(client));
    expect(all.every((i) => i.outcome?.status === 'delivered')).toBe(true);
    expect(adds).toHaveLength(2);
    const withWho = adds.filter((call) => call.some((x) => refOf(x) === who));
    expect(withWho).toHaveLength(1);
    expect(withWho[0]!.filter((x) => refOf(x) === who).map((x) => x.event.contactExtEventType)).toEqual(['VISIT', 'PURCHASE']);
  });

  it('sends chunks side by side: a slow first chunk does not hold back the next', async () => {
    const items: WorkItem[] = Array.from({ length: CHUNK_SIZE * 2 + 1 }, () => browserEvent('visit', { email: email('side') })).map((event) => ({
      id: event.id,
      event,
      attempt: 1,
    }));
    const { client, adds, maxInFlight } = recordingClient(200);
    await deliver(items, deps(client));
    expect(adds).toHaveLength(3);
    expect(maxInFlight()).toBeGreaterThan(1);
  });
});
