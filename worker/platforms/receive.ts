// One webhook delivery from a shop platform, from raw bytes to queued events and contacts. Used by the
// routes in routes/hooks.ts; plain function, testable without HTTP. Order of checks:
//   ping (unsigned, changes nothing) → secret configured → signature → sender → topic header →
//   repeat of a settled delivery id (200 "duplicate") → topic handled → JSON → payload schema →
//   platform mapper → the shop API's own schemas → ledger-first enqueue (ingest/enqueue.ts), with the
//   delivery's row written in the same D1 batch.
// Every refusal is a 4xx naming the problem (platforms show it in their delivery logs) and is recorded
// in platform_deliveries; only an unwritable ledger answers 503, so that the platform retries.
import { storedEvent } from '../ledger/payloads.ts';
import { hasRow, storedRows } from '../ledger/deliveries.ts';
import * as v from 'valibot';
import { readConfig, type Config } from '../config.ts';
import type { Env } from '../env.ts';
import type { AcceptedEvent, ItemMessage } from '../queue/messages.ts';
import { enqueue } from '../ingest/enqueue.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from '../queue/send.ts';
import { describeIssues } from '../ingest/problems.ts';
import { acceptShopContact, acceptShopEvent, shopEventId } from '../ingest/shop.ts';
import { recordShopStatements } from '../ingest/shop-consent.ts';
import { shopContactSchema, shopEventSchema } from '../ingest/shop-schema.ts';
import { toHex } from '../identity/hmac.ts';
import { recordDelivery, UNAUTHENTICATED_ID, wasSettled, type DeliveryOutcome } from './deliveries.ts';
import type { ContactDraft, EventDraft, Platform, RefundDraft, WebhookHeaders } from './platform.ts';
import { readConsent } from '../consent/store.ts';
import { readEmail } from '../consent/email.ts';
import { eraseContact } from '../consent/erasure.ts';
import { checkWebhookSignature } from './signature.ts';
import { logError } from '../log.ts';

export type WebhookStatus = 200 | 400 | 401 | 403 | 413 | 422 | 503;

export interface WebhookAnswer {
  status: WebhookStatus;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const MAX_DELIVERY_ID = 200;

async function bodyDigest(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

class Refusal {
  constructor(
    readonly status: 400 | 413 | 422,
    readonly error: string,
  ) {}
}

/** The buyer of an order, from the purchase (or cancellation) the ledger holds for it. */
async function orderOf(db: D1Database, orderId: string): Promise<AcceptedEvent | null> {
  const ids = [shopEventId('purchase', orderId), shopEventId('cancellation', orderId)];
  const results = await storedRows(db, ids);
  const row = results.find((r) => r.id === ids[0]) ?? results[0];
  return row ? storedEvent(row.payload, row.id) : null;
}

function returnDraft(refund: RefundDraft, order: AcceptedEvent): EventDraft {
  const products = refund.products.length > 0 ? refund.products : (order.products ?? []);
  return {
    type: 'return',
    orderId: refund.orderId,
    returnId: refund.returnId,
    email: order.email ?? '',
    ...(order.name ? { name: order.name } : {}),
    ...(order.phone ? { phone: order.phone } : {}),
    ...(order.company ? { company: order.company } : {}),
    ...(order.order?.loggedIn !== undefined ? { loggedIn: order.order.loggedIn } : {}),
    value: refund.value ?? 0,
    currency: refund.currency ?? order.currency ?? '',
    products,
    occurredAt: refund.occurredAt,
  };
}

function acceptDraft(draft: EventDraft, receivedAt: number): AcceptedEvent {
  const { company, ...input } = draft;
  const parsed = v.safeParse(shopEventSchema, input);
  if (!parsed.success) {
    const which = `order ${String(draft.orderId)} → ${draft.type}${draft.type === 'return' ? ` ${String(draft.returnId)}` : ''}`;
    throw new Refusal(422, `${which}: ${describeIssues(parsed.issues)}`);
  }
  const event = acceptShopEvent(parsed.output, receivedAt);
  return company ? { ...event, company } : event;
}

export async function receiveWebhook(
  env: Env,
  platform: Platform,
  bytes: Uint8Array,
  headers: WebhookHeaders,
  receivedAt = Date.now(),
  // The route passes the request's parsed configuration (c.var.config).
  configured: Config = readConfig(env),
): Promise<WebhookAnswer> {
  const config = configured.platforms;
  const text = new TextDecoder().decode(bytes);
  const topic = headers.get(platform.topicHeader)?.trim().slice(0, 100) || null;

  const note = async (deliveryId: string, outcome: DeliveryOutcome, status: number, reason: string | null, items: string[] = []) => {
    try {
      await recordDelivery(env.LEDGER, { platform: platform.name, deliveryId, topic, outcome, httpStatus: status, reason, items, receivedAt }).run();
    } catch (err) {
      logError('platform delivery not recorded', { platform: platform.name }, err);
    }
  };
  const refuse = async (status: Exclude<WebhookStatus, 200 | 503>, error: string, deliveryId: string): Promise<WebhookAnswer> => {
    await note(deliveryId, 'refused', status, error);
    return { status, body: { error } };
  };

  const ping = platform.ping?.(text, headers) ?? null;
  if (ping !== null) {
    // Unsigned, so one row per platform (overwritten): anyone can send a ping, no one can grow the table.
    await note('-ping', 'ping', 200, `webhook ${ping}`);
    return { status: 200, body: { status: 'ping', webhookId: ping } };
  }

  const secret = platform.secret(config);
  if (!secret) return refuse(401, `${platform.secretName} is not configured on the worker`, UNAUTHENTICATED_ID);
  const signature = await checkWebhookSignature(platform.signatureHeader, headers.get(platform.signatureHeader), secret, bytes);
  if (!signature.ok) return refuse(401, signature.error, UNAUTHENTICATED_ID);

  // Authenticated from here on: each delivery gets its own row. Without a delivery id, the body's
  // digest stands for it (the same bytes twice are the same delivery).
  const given = headers.get(platform.deliveryIdHeader)?.trim() ?? '';
  const deliveryId = given ? given.slice(0, MAX_DELIVERY_ID) : `sha256:${await bodyDigest(bytes)}`;
  if (given.length > MAX_DELIVERY_ID) {
    return refuse(400, `${platform.deliveryIdHeader} is longer than ${MAX_DELIVERY_ID} characters`, deliveryId);
  }
  const sender = platform.checkSender?.(headers, config) ?? null;
  if (sender) return refuse(403, sender, deliveryId);
  if (!topic) return refuse(400, `missing ${platform.topicHeader} header`, deliveryId);

  try {
    if (await wasSettled(env.LEDGER, platform.name, deliveryId)) {
      return { status: 200, body: { status: 'duplicate', deliveryId } };
    }
  } catch (err) {
    return unavailable(err);
  }

  // Own keys only: a topic such as "valueOf" or "__proto__" must not find Object's members.
  const schema = Object.hasOwn(platform.topics, topic) ? platform.topics[topic] : undefined;
  if (!schema) {
    const handled = Object.keys(platform.topics).join(', ');
    return refuse(400, `${platform.topicHeader} "${topic}" is not handled here (subscribe only to: ${handled})`, deliveryId);
  }
  let json: unknown;
  try {
    json = JSON.parse(text, keepLargeIntegers);
  } catch {
    return refuse(400, 'body: is not valid JSON', deliveryId);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return refuse(400, 'body: must be a JSON object', deliveryId);
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) return refuse(400, `${topic}: ${describeIssues(parsed.issues)}`, deliveryId);

  const mapped = platform.map(topic, parsed.output, config, receivedAt);
  if (mapped.kind === 'ignored') {
    await note(deliveryId, 'ignored', 200, mapped.reason);
    return { status: 200, body: { status: 'ignored', reason: mapped.reason } };
  }
  if (mapped.kind === 'erase') {
    // One erasure per delivery (a repeat is answered "duplicate" above); recorded without the e-mail.
    const read = readEmail(mapped.email);
    const secret = configured.shopApiSecret;
    if (!read.ok) return refuse(422, `${topic}: customer.email ${read.error}`, deliveryId);
    if (!secret) return unavailable(new Error('SHOP_API_SECRET is not configured: the erasure cannot mark the person'));
    try {
      const { id } = await eraseContact(env, secret, read.email, { source: platform.name });
      await note(deliveryId, 'accepted', 200, `erasure ${id}`);
      return { status: 200, body: { status: 'accepted', deliveryId, reason: `erasure ${id}` } };
    } catch (err) {
      return unavailable(err);
    }
  }

  const messages: ItemMessage[] = [];
  try {
    for (const draft of mapped.events) messages.push({ kind: 'event', event: acceptDraft(draft, receivedAt) });
    for (const refund of mapped.refunds) {
      const order = await orderOf(env.LEDGER, refund.orderId);
      if (!order?.email) {
        throw new Refusal(
          422,
          `refund ${refund.returnId} of order ${refund.orderId}: no purchase of this order was received yet, so its buyer is unknown (a retry of this delivery after the purchase succeeds)`,
        );
      }
      messages.push({ kind: 'event', event: acceptDraft(returnDraft(refund, order), receivedAt) });
    }
    for (const [i, given] of mapped.contacts.entries()) {
      let draft = await newStatementsOnly(env, given);
      // A deterministic id: the same delivery can never queue its contact twice, even when two copies
      // race; a consent statement is the same contact whichever delivery carries it.
      const carriesChoice = draft.contact.newsletter !== undefined || draft.contact.sms !== undefined;
      let id = draft.statement && carriesChoice ? `c:${platform.name}:s:${draft.statement}` : `c:${platform.name}:${deliveryId}:${i}`;
      if (draft.statement && carriesChoice && (await hasRow(env.LEDGER, id))) {
        // The statement was taken already (the consent store may not show it: an SMS choice, or a
        // failed KV write): this update's contact fields still flow, without the choice.
        draft = withoutChoices(draft);
        id = `c:${platform.name}:${deliveryId}:${i}`;
      }
      const contact = v.safeParse(shopContactSchema, draft.contact);
      if (!contact.success) throw new Refusal(422, `contact: ${describeIssues(contact.issues)}`);
      messages.push({ kind: 'contact', contact: acceptShopContact(contact.output, receivedAt, id) });
    }
    for (const m of messages) {
      const size = messageBytes(m);
      if (size > MAX_MESSAGE_BYTES) throw new Refusal(413, `the order is too large once normalised (${size} bytes; at most ${MAX_MESSAGE_BYTES})`);
    }
  } catch (err) {
    if (err instanceof Refusal) return refuse(err.status, err.error, deliveryId);
    return unavailable(err);
  }

  const ids = messages.map((m) => (m.kind === 'event' ? m.event.id : m.kind === 'contact' ? m.contact.id : m.change.id));
  try {
    const row = recordDelivery(env.LEDGER, {
      platform: platform.name, deliveryId, topic, outcome: 'accepted', httpStatus: 200,
      reason: mapped.notes.join('; ') || null, items: ids, receivedAt,
    });
    const { outcomes } = await enqueue(env, messages, { now: receivedAt, alongside: [row] });
    // The consent store and the proof of each statement (source "platform"; consent/proof.ts).
    await recordShopStatements(env, configured.shopApiSecret, messages.flatMap((m) => (m.kind === 'contact' ? [m.contact] : [])), 'platform', {});
    return { status: 200, body: { status: 'accepted', deliveryId, items: outcomes } };
  } catch (err) {
    return unavailable(err);
  }
}

/**
 * The contact without the choices that are no new statement: a choice with a time (statedAt) counts
 * only when that time is later than the consent store's changedAt for the address (a later
 * unsubscribe through SALESmanago, or a choice already taken, wins). The contact itself still flows.
 */
async function newStatementsOnly(env: Env, draft: ContactDraft): Promise<ContactDraft> {
  const at = draft.statedAt;
  if (!at || (at.newsletter === undefined && at.sms === undefined)) return draft;
  const stored = await readConsent(env.CONSENTS, draft.contact.email.trim().toLowerCase());
  if (!stored) return draft;
  const { newsletter, sms, ...rest } = draft.contact;
  const keepNewsletter = newsletter !== undefined && (at.newsletter === undefined || at.newsletter > stored.changedAt);
  const keepSms = sms !== undefined && (at.sms === undefined || at.sms > stored.changedAt);
  const trigger = rest.trigger === 'newsletter' && !keepNewsletter ? 'update' : rest.trigger;
  return {
    ...draft,
    contact: { ...rest, ...(keepNewsletter ? { newsletter } : {}), ...(keepSms ? { sms } : {}), ...(trigger ? { trigger } : {}) },
  };
}

function withoutChoices(draft: ContactDraft): ContactDraft {
  const { newsletter: _n, sms: _s, ...rest } = draft.contact;
  return { contact: { ...rest, ...(rest.trigger === 'newsletter' ? { trigger: 'update' as const } : {}) } };
}

function unavailable(err: unknown): WebhookAnswer {
  logError('ledger unavailable for a platform delivery', {}, err);
  return {
    status: 503,
    headers: { 'Retry-After': '30' },
    body: { error: 'the event ledger is temporarily unavailable; nothing was recorded, retry later' },
  };
}

/**
 * JSON.parse reviver: an integer beyond 2^53 keeps its exact digits, as a string. Platform ids are
 * 64-bit (Shopify's own sample order id 820982911946154508 would otherwise become …154500, and two
 * orders could share a rounded id); the id rules take strings as well as numbers.
 */
function keepLargeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  return typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source) ? context.source : value;
}
