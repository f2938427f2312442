// Test-only: builders for queue messages, the ledger rows the request side writes for them, a
// queue-consumer runner and access to the shared SALESmanago simulator. Used by worker/delivery/*.test.ts.
import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { insertRow, ledgerRows } from '../ledger/deliveries/rows.ts';
import { handleQueue } from '../delivery/consumer.ts';
import { beaconEventId } from '../ingest/beacon.ts';
import { shopEventId } from '../ingest/shop.ts';
import type { AcceptedContact, AcceptedEvent, ItemMessage, QueueMessage } from '../queue/messages.ts';

export const env: Env = workerEnv;
const QUEUE = 'sm-edge-events';

let counter = 0;
/** Unique across test files sharing one simulator. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36)}${crypto.randomUUID().slice(0, 8)}`;
}

export function email(prefix = 'c'): string {
  return `${uid(prefix)}@example.com`.toLowerCase();
}

export function browserEvent(type: AcceptedEvent['type'], extra: Partial<AcceptedEvent> = {}): AcceptedEvent {
  const now = Date.now();
  return {
    // The request side's own id rule (a retried beacon is a duplicate): visitor, then tracker event id.
    id: beaconEventId(extra.visitorId ?? 'no-visitor', uid('ev')),
    type,
    source: 'browser',
    occurredAt: now,
    receivedAt: now,
    url: 'http://localhost/sklep/produkt',
    title: 'Produkt',
    ...extra,
  };
}

export function orderEvent(type: 'purchase' | 'return' | 'cancellation', extra: Partial<AcceptedEvent> = {}): AcceptedEvent {
  const now = Date.now();
  const orderId = uid('ORD');
  return {
    id: shopEventId(type, orderId, type === 'return' ? 'R1' : null),
    type,
    source: 'shop',
    occurredAt: now,
    receivedAt: now,
    email: email('buyer'),
    emailVerified: true,
    value: 99.5,
    currency: 'PLN',
    products: [{ id: 'sku-1', name: 'Kubek', quantity: 2, price: 49.75 }],
    order: { orderId, loggedIn: false, paymentMethod: 'blik', shippingMethod: 'courier', ...(type === 'return' ? { returnId: 'R1' } : {}) },
    ...extra,
  };
}

export function shopContact(extra: Partial<AcceptedContact> = {}): AcceptedContact {
  return { id: uid('ct'), receivedAt: Date.now(), email: email('shop'), ...extra };
}

export const asEvent = (event: AcceptedEvent): ItemMessage => ({ kind: 'event', event });
export const asContact = (contact: AcceptedContact): ItemMessage => ({ kind: 'contact', contact });
/** A multi-item message, as the routes queue them now. */
export const asEvents = (events: AcceptedEvent[]): QueueMessage => ({ kind: 'events', events });
export const asContacts = (contacts: AcceptedContact[]): QueueMessage => ({ kind: 'contacts', contacts });

/** Writes the ledger rows exactly as the request side does (same SQL), status 'queued', one per item. */
export async function recordAccepted(messages: QueueMessage[], at = Date.now()): Promise<void> {
  const statements = messages.flatMap((m) => ledgerRows(m)).map((row) => insertRow(env.LEDGER, row, at));
  for (let i = 0; i < statements.length; i += 100) await env.LEDGER.batch(statements.slice(i, i + 100));
}

export interface Delivery {
  ids: string[];
  result: QueueResult;
  acked: Set<string>;
  retried: Map<string, number | undefined>;
}

let msgSeq = 0;
/** Runs the consumer once over these messages (queue message ids returned in `ids`, in order). */
export async function consume(messages: QueueMessage[], options: { env?: Env; attempts?: number | number[]; queue?: string } = {}): Promise<Delivery> {
  const ids = messages.map(() => `m${++msgSeq}`);
  const batch = createMessageBatch<QueueMessage>(
    options.queue ?? QUEUE,
    messages.map((body, i) => ({
      id: ids[i] ?? '',
      timestamp: new Date(),
      attempts: Array.isArray(options.attempts) ? (options.attempts[i] ?? 1) : (options.attempts ?? 1),
      body,
    })),
  );
  // getQueueResult does not report delaySeconds (workerd 1.20261102): record them on the way through.
  const delays = new Map<string, number | undefined>();
  const recording: MessageBatch<QueueMessage> = {
    queue: batch.queue,
    metadata: batch.metadata,
    messages: batch.messages.map((m) => ({
      id: m.id,
      timestamp: m.timestamp,
      body: m.body,
      attempts: m.attempts,
      ack: () => m.ack(),
      retry: (o?: QueueRetryOptions) => {
        delays.set(m.id, o?.delaySeconds);
        m.retry(o);
      },
    })),
    ackAll: () => batch.ackAll(),
    retryAll: (o?: QueueRetryOptions) => {
      for (const m of batch.messages) delays.set(m.id, o?.delaySeconds);
      batch.retryAll(o);
    },
  };
  const ctx = createExecutionContext();
  await handleQueue(recording, options.env ?? env, ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    ids,
    result,
    acked: new Set(result.explicitAcks),
    retried: new Map(result.retryMessages.map((r) => [r.msgId, r.delaySeconds ?? delays.get(r.msgId)])),
  };
}

export interface LedgerEntry {
  id: string;
  type: string;
  status: string;
  contact: string | null;
  visitor_id: string | null;
  attempts: number;
  last_error: string | null;
  /** The kind of last_error (migrations/0160_delivery_reason_kind.sql). */
  reason_kind: string | null;
  sm_event_id: string | null;
  accepted_at: number;
}

export async function ledger(id: string): Promise<LedgerEntry | null> {
  return env.LEDGER.prepare('SELECT * FROM deliveries WHERE id = ?').bind(id).first<LedgerEntry>();
}

export async function ledgerMany(ids: string[]): Promise<Map<string, LedgerEntry>> {
  const { results } = await env.LEDGER.prepare('SELECT * FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(ids))
    .all<LedgerEntry>();
  return new Map(results.map((r) => [r.id, r]));
}

// The shared simulator (contract C).

export interface SimEvent {
  eventId: string;
  contactId: string;
  email: string;
  contactExtEventType: string;
  externalId?: string;
  products?: string;
  value?: number | string;
  description?: string;
  location?: string;
  shopDomain?: string;
  details: Record<string, string>;
  updates: number;
  createdAt: number;
}

export interface SimContact {
  contactId: string;
  email: string;
  tags: string[];
  optIn: string;
  name?: string;
  createdAt: number;
  updatedAt: number;
}

export async function sim<T = unknown>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${env.SALESMANAGO_ENDPOINT}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`simulator ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json<T>();
}

export async function simState(): Promise<{ contacts: SimContact[]; events: SimEvent[] }> {
  return sim('/__sim/state');
}

export async function simEventsOf(emails: string[]): Promise<SimEvent[]> {
  const wanted = new Set(emails);
  return (await simState()).events.filter((e) => wanted.has(e.email));
}

export async function simContact(address: string): Promise<SimContact | undefined> {
  return (await simState()).contacts.find((c) => c.email === address);
}
