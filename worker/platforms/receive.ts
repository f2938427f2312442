// One webhook delivery from a shop platform, from raw bytes to queued events and contacts. Used by the
// routes in routes/hooks.ts; plain function, testable without HTTP. Order of checks:
//   ping (unsigned, changes nothing) → secret configured → signature → sender → then processDelivery:
//   repeat of a settled delivery id (200 "duplicate") → topic handled → JSON → payload schema →
//   platform mapper → the shop API's own schemas → ledger-first enqueue (ingest/enqueue.ts), with the
//   delivery's row written in the same D1 batch.
// Signed means kept: WooCommerce never retries a failed delivery and disables the webhook after more
// than 5 failures (its class-wc-webhook.php failed_delivery), so only an unauthenticated, oversized or
// foreign-shop delivery gets a 4xx. A signed one that cannot become events (topic, JSON, schema,
// mapping) is KEPT with its body and reason (outcome 'kept', 200), shown on /setup and replayed by
// kept.ts after a fix; one that meets an unwritable ledger goes to the queue as it came (kept.ts) and
// is processed once D1 is back; only when the queue refuses it too is the answer 503.
import { storedEvent } from '../ledger/payloads.ts';
import { knownIds, storedRows } from '../ledger/deliveries/rows.ts';
import { ledgerDatabases, overEvery } from '../ledger/databases.ts';
import * as v from 'valibot';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import type { AcceptedEvent, ItemMessage } from '../queue/messages.ts';
import { enqueue } from '../ingest/enqueue.ts';
import { orderConflicts, recordConflicts } from '../ingest/order-conflict.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from '../queue/send.ts';
import { describeIssues } from '../ingest/problems.ts';
import { acceptShopContact, acceptShopEvent, shopEventId } from '../ingest/shop.ts';
import { recordShopStatements } from '../ingest/shop-consent.ts';
import { shopContactSchema, shopEventSchema } from '../ingest/shop-schema.ts';
import { toHex } from '../identity/hmac.ts';
import { deliveryById, PING_ID, recordDelivery, UNAUTHENTICATED_ID, wasSettled, type DeliveryOutcome } from './deliveries.ts';
import type { ContactDraft, EventDraft, Mapped, Platform, RefundDraft, WebhookHeaders } from './platform.ts';
import { readConsent } from '../consent/store.ts';
import { readEmail } from '../consent/email.ts';
import { eraseContact } from '../consent/erasure.ts';
import { customerEmails, rememberPlatformCustomers } from './customers.ts';
import { checkWebhookSignature } from './signature.ts';
import { queueDelivery } from '../queue/platform-delivery.ts';
import { acceptProducts, parseProducts } from '../catalog/accept.ts';
import { errorText, logError } from '../log.ts';
import { Forbidden, Unauthenticated, Unavailable } from '../errors.ts';
import { withRefundLines } from './refund-lines.ts';
import type { Fetcher } from './woocommerce-api.ts';

/** What a delivery became (`status`: ping, accepted, duplicate, ignored, kept, queued, and its details):
 *  the webhook's 200 answer. A refusal is thrown instead (worker/errors.ts): 401/403, or 503 to retry. */
export type WebhookReply = Record<string, unknown> & { status: string };

const MAX_DELIVERY_ID = 200;

async function bodyDigest(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

/** A signed delivery that cannot become events as it is: kept with this reason. */
class Unprocessable {
  constructor(readonly reason: string) {}
}

/** A signed delivery after authentication: what processDelivery needs, and what kept.ts stores and queues. */
export interface SignedDelivery {
  deliveryId: string;
  topic: string | null;
  body: string;
  receivedAt: number;
  /** SHA-256 (hex) of the raw body: the same bytes under another delivery id are a repeat. */
  bodyDigest?: string;
}

/** The buyer of an order, from the purchase (or cancellation) the ledger holds for it, in whichever ledger database. */
async function orderOf(env: Env, ledgers: number, orderId: string): Promise<AcceptedEvent | null> {
  const ids = [shopEventId('purchase', orderId), shopEventId('cancellation', orderId)];
  const results = (await overEvery(env, ledgers, (db) => storedRows(db, ids))).flat();
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
    throw new Unprocessable(`${which}: ${describeIssues(parsed.issues)}`);
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
  configured: Config,
): Promise<WebhookReply> {
  const config = configured.platforms;
  const text = new TextDecoder().decode(bytes);
  const topic = headers.get(platform.topicHeader)?.trim().slice(0, 100) || null;

  // Recorded for the setup page's deliveries list before the refusal is thrown.
  const refuse = async (refusal: Unauthenticated | Forbidden, deliveryId: string): Promise<never> => {
    await note(env, platform, { deliveryId, topic, body: text, receivedAt }, 'refused', refusal.status, refusal.error);
    throw refusal;
  };

  const ping = platform.ping?.(text, headers) ?? null;
  if (ping !== null) {
    // Unsigned, so one row per platform (overwritten): anyone can send a ping, no one can grow the table.
    await note(env, platform, { deliveryId: PING_ID, topic, body: text, receivedAt }, 'ping', 200, `webhook ${ping}`);
    return { status: 'ping', webhookId: ping };
  }

  const secret = platform.secret(config);
  if (!secret) return refuse(new Unauthenticated(`${platform.secretName} is not configured on the worker`), UNAUTHENTICATED_ID);
  const signature = await checkWebhookSignature(platform.signatureHeader, headers.get(platform.signatureHeader), secret, bytes);
  if (!signature.ok) return refuse(new Unauthenticated(signature.error), UNAUTHENTICATED_ID);

  // Authenticated from here on: each delivery gets its own row. Without a delivery id, the body's
  // digest stands for it (the same bytes twice are the same delivery).
  const digest = await bodyDigest(bytes);
  const given = headers.get(platform.deliveryIdHeader)?.trim() ?? '';
  let deliveryId = given ? given.slice(0, MAX_DELIVERY_ID) : `sha256:${digest}`;
  // WooCommerce's delivery id is a hash of the webhook id and the current second
  // (includes/class-wc-webhook.php get_new_delivery_id), so two orders delivered by one webhook within
  // a second share it: another body under a known id is another delivery, and gets an id of its own.
  if (given) {
    const known = await deliveryById(env.LEDGER, platform.name, deliveryId).catch(() => null);
    if (known?.bodyDigest && known.bodyDigest !== digest) deliveryId = `${deliveryId.slice(0, MAX_DELIVERY_ID - 17)}~${digest.slice(0, 16)}`;
  }
  const sender = platform.checkSender?.(headers, config) ?? null;
  if (sender) return refuse(new Forbidden(sender), deliveryId);
  const delivery: SignedDelivery = { deliveryId, topic, body: text, receivedAt, bodyDigest: digest };
  if (given.length > MAX_DELIVERY_ID) {
    return keep(env, platform, delivery, `${platform.deliveryIdHeader} is longer than ${MAX_DELIVERY_ID} characters`).catch((err: unknown) => {
      logError('ledger unavailable for a platform delivery', { platform: platform.name }, err);
      throw unavailable();
    });
  }
  return processDelivery(env, platform, delivery, configured, { onUnavailable: 'queue' });
}

async function note(
  env: Env,
  platform: Platform,
  d: SignedDelivery,
  outcome: DeliveryOutcome,
  status: number,
  reason: string | null,
  items: string[] = [],
): Promise<void> {
  try {
    await recordDelivery(env.LEDGER, {
      platform: platform.name,
      deliveryId: d.deliveryId,
      topic: d.topic,
      outcome,
      httpStatus: status,
      reason,
      items,
      receivedAt: d.receivedAt,
      bodyDigest: d.bodyDigest ?? null,
    }).run();
  } catch (err) {
    logError('platform delivery not recorded', { platform: platform.name }, err);
  }
}

/** Keeps a signed delivery that cannot become events yet: its body and reason, answered 200 (kept.ts replays it). */
async function keep(env: Env, platform: Platform, d: SignedDelivery, reason: string): Promise<WebhookReply> {
  await recordDelivery(env.LEDGER, {
    platform: platform.name,
    deliveryId: d.deliveryId,
    topic: d.topic,
    outcome: 'kept',
    httpStatus: 200,
    reason,
    items: [],
    receivedAt: d.receivedAt,
    body: d.body,
    bodyDigest: d.bodyDigest ?? null,
  }).run();
  return { status: 'kept', deliveryId: d.deliveryId, reason };
}

/**
 * A signed delivery from its topic on. `onUnavailable`: what an unwritable ledger does. The route hands
 * the delivery to the queue as it came ('queue'); the queue's consumer and a replay get the Unavailable
 * thrown ('fail') and try again later.
 */
export async function processDelivery(
  env: Env,
  platform: Platform,
  delivery: SignedDelivery,
  configured: Config,
  options: { onUnavailable: 'queue' | 'fail'; fetcher?: Fetcher },
): Promise<WebhookReply> {
  const { deliveryId, topic, body: text, receivedAt } = delivery;
  const config = configured.platforms;
  const digest = delivery.bodyDigest ?? (await bodyDigest(new TextEncoder().encode(text)));
  try {
    // The same topic and bytes settled under another delivery id (or none) are a repeat too: the
    // delivery id is not signed (docs/trust.md, "Who may change what").
    if (await wasSettled(env.LEDGER, platform.name, { deliveryId, topic: topic ?? '', bodyDigest: digest })) {
      return { status: 'duplicate', deliveryId };
    }
    const mapped = mapDelivery(platform, topic, text, config, receivedAt);
    if (mapped.kind === 'ignored') {
      await recordDelivery(env.LEDGER, {
        platform: platform.name,
        deliveryId,
        topic,
        outcome: 'ignored',
        httpStatus: 200,
        reason: mapped.reason,
        items: [],
        receivedAt,
        bodyDigest: digest,
      }).run();
      return { status: 'ignored', reason: mapped.reason };
    }
    if (mapped.kind === 'products') {
      // Catalog products, checked as POST /api/v1/products items (currency aside); a bad one is kept.
      const parsed = parseProducts({ products: mapped.products }, { currencyOptional: true });
      if (!parsed.ok) throw new Unprocessable(`${topic}: ${parsed.error}`);
      const counts = await acceptProducts(env, parsed.products, configured.catalog.catalogId, receivedAt);
      await recordDelivery(env.LEDGER, {
        platform: platform.name,
        deliveryId,
        topic,
        outcome: 'accepted',
        httpStatus: 200,
        reason: counts.unchanged > 0 ? 'product unchanged: nothing sent' : null,
        items: parsed.products.map((p) => `product:${p.id}`),
        receivedAt,
        bodyDigest: digest,
      }).run();
      return { status: 'accepted', deliveryId, ...counts };
    }
    if (mapped.kind === 'erase' || mapped.kind === 'erase-customer') {
      // One erasure per e-mail and delivery (a repeat is answered "duplicate" above); recorded without the e-mail.
      let emails: string[];
      if (mapped.kind === 'erase') {
        const read = readEmail(mapped.email);
        if (!read.ok) throw new Unprocessable(`${topic}: customer.email ${read.error}`);
        emails = [read.email];
      } else {
        emails = await customerEmails(env.LEDGER, platform.name, mapped.customerId);
        if (emails.length === 0) {
          const reason = `customer ${mapped.customerId}: no delivery of ours named this customer, so nothing here is keyed by it`;
          await recordDelivery(env.LEDGER, {
            platform: platform.name,
            deliveryId,
            topic,
            outcome: 'ignored',
            httpStatus: 200,
            reason,
            items: [],
            receivedAt,
            bodyDigest: digest,
          }).run();
          return { status: 'ignored', reason };
        }
      }
      const secret = configured.shopApiSecret;
      if (!secret) throw new Error('SHOP_API_SECRET is not configured: the erasure cannot mark the person');
      const ids: string[] = [];
      for (const email of emails) ids.push((await eraseContact(env, secret, email, { source: platform.name, ledgers: configured.ledgerDatabases })).id);
      const reason = `erasure ${ids.join(', ')}`;
      await recordDelivery(env.LEDGER, {
        platform: platform.name,
        deliveryId,
        topic,
        outcome: 'accepted',
        httpStatus: 200,
        reason,
        items: [],
        receivedAt,
        bodyDigest: digest,
      }).run();
      return { status: 'accepted', deliveryId, reason };
    }
    // A WooCommerce refund's own lines, with the REST API key (refund-lines.ts).
    const api = platform.name === 'woocommerce' ? config.woocommerce.api : null;
    const items = api && mapped.events.some((e) => e.type === 'return') ? await withRefundLines(mapped, api, options.fetcher) : mapped;
    const messages = await itemsOf(env, configured.ledgerDatabases, platform, items, deliveryId, receivedAt);
    const ids = messages.map((m) => (m.kind === 'event' ? m.event.id : m.kind === 'contact' ? m.contact.id : m.change.id));
    const row = recordDelivery(env.LEDGER, {
      platform: platform.name,
      deliveryId,
      topic,
      outcome: 'accepted',
      httpStatus: 200,
      reason: items.notes.join('; ') || null,
      items: ids,
      receivedAt,
      bodyDigest: digest,
    });
    const { outcomes } = await enqueue(env, messages, { now: receivedAt, alongside: [row], ledgers: configured.ledgerDatabases });
    // The consent store and the proof of each statement (source "platform"; consent/proof.ts).
    await recordShopStatements(
      env,
      configured.shopApiSecret,
      messages.flatMap((m) => (m.kind === 'contact' ? [m.contact] : [])),
      'platform',
      {},
    );
    await rememberPlatformCustomers(env.LEDGER, configured.shopApiSecret, platform.name, mapped.customers ?? [], receivedAt);
    const conflicts = await changedPurchases(env, configured.ledgerDatabases, messages, outcomes, receivedAt);
    return { status: 'accepted', deliveryId, items: outcomes, ...(conflicts.length > 0 ? { conflicts } : {}) };
  } catch (caught) {
    let err = caught;
    try {
      if (err instanceof Unprocessable) return await keep(env, platform, delivery, err.reason);
    } catch (keepErr) {
      err = keepErr;
    }
    logError('ledger unavailable for a platform delivery', { platform: platform.name }, err);
    if (options.onUnavailable === 'queue' && (await queueDelivery(env, platform.name, delivery))) {
      return { status: 'queued', deliveryId };
    }
    throw unavailable();
  }
}

/**
 * A purchase already accepted whose content now differs (the merchant edited the order's lines, value
 * or buyer after it was paid): the first version stands in SALESmanago, as with the shop API's 409, and
 * the change is recorded (order_conflicts) and shown on /setup instead of being a silent duplicate.
 * Only purchases: a cancellation's or a return's time is the order's last change, which every later
 * edit moves. Never fails the delivery.
 */
async function changedPurchases(
  env: Env,
  ledgers: number,
  messages: ItemMessage[],
  outcomes: { status: string }[],
  now: number,
): Promise<{ id: string; fields: string[] }[]> {
  const repeated = messages.flatMap((m, i) => (m.kind === 'event' && m.event.type === 'purchase' && outcomes[i]?.status === 'duplicate' ? [m.event] : []));
  if (repeated.length === 0) return [];
  try {
    // The time is not content here: the real WooCommerce test showed a cash-on-delivery order's
    // order.created without date_paid_gmt (the purchase dated by date_created_gmt) and date_paid_gmt set
    // at completion. The first version, time included, is what SALESmanago has.
    const fields = (await orderConflicts(ledgerDatabases(env, ledgers), repeated)).map((f) => f.filter((name) => name !== 'occurredAt'));
    const conflicts = repeated.flatMap((e, i) => (fields[i]?.length ? [{ id: e.id, fields: fields[i]! }] : []));
    await recordConflicts(env.LEDGER, conflicts, now);
    return conflicts;
  } catch (err) {
    logError('platform order conflicts not checked', {}, err);
    return [];
  }
}

/** Topic, JSON, payload schema and the platform's mapper; what fails is Unprocessable. */
function mapDelivery(platform: Platform, topic: string | null, text: string, config: Config['platforms'], receivedAt: number): Mapped {
  if (!topic) throw new Unprocessable(`missing ${platform.topicHeader} header`);
  // Own keys only: a topic such as "valueOf" or "__proto__" must not find Object's members.
  const schema = Object.hasOwn(platform.topics, topic) ? platform.topics[topic] : undefined;
  if (!schema) {
    const handled = Object.keys(platform.topics).join(', ');
    throw new Unprocessable(`${platform.topicHeader} "${topic}" is not handled here (subscribe only to: ${handled})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text, keepLargeIntegers);
  } catch {
    throw new Unprocessable('body: is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Unprocessable('body: must be a JSON object');
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) throw new Unprocessable(`${topic}: ${describeIssues(parsed.issues)}`);
  try {
    return platform.map(topic, parsed.output, config, receivedAt);
  } catch (err) {
    // A bug of ours meeting this payload: kept for a replay after the fix, not retried as an outage.
    throw new Unprocessable(`${topic}: the ${platform.label} mapper failed (${errorText(err)})`);
  }
}

/** The mapped drafts as queue items, checked by the shop API's own schemas. */
async function itemsOf(
  env: Env,
  ledgers: number,
  platform: Platform,
  mapped: Extract<Mapped, { kind: 'items' }>,
  deliveryId: string,
  receivedAt: number,
): Promise<ItemMessage[]> {
  const messages: ItemMessage[] = [];
  for (const draft of mapped.events) messages.push({ kind: 'event', event: acceptDraft(draft, receivedAt) });
  for (const refund of mapped.refunds) {
    const order = await orderOf(env, ledgers, refund.orderId);
    if (!order?.email) {
      throw new Unprocessable(
        `refund ${refund.returnId} of order ${refund.orderId}: no purchase of this order was received yet, so its buyer is unknown (kept: the hourly replay succeeds once the purchase is in)`,
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
    if (draft.statement && carriesChoice && (await overEvery(env, ledgers, (db) => knownIds(db, [id]))).some((found) => found.has(id))) {
      // The statement was taken already (the consent store may not show it: an SMS choice, or a
      // failed KV write): this update's contact fields still flow, without the choice.
      draft = withoutChoices(draft);
      id = `c:${platform.name}:${deliveryId}:${i}`;
    }
    const contact = v.safeParse(shopContactSchema, draft.contact);
    if (!contact.success) throw new Unprocessable(`contact: ${describeIssues(contact.issues)}`);
    messages.push({ kind: 'contact', contact: acceptShopContact(contact.output, receivedAt, id) });
  }
  for (const m of messages) {
    const size = messageBytes(m);
    if (size > MAX_MESSAGE_BYTES) throw new Unprocessable(`the order is too large once normalised (${size} bytes; at most ${MAX_MESSAGE_BYTES})`);
  }
  return messages;
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

function unavailable(): Unavailable {
  return new Unavailable('the event ledger and the queue are temporarily unavailable; nothing was recorded, retry later', 30);
}

/**
 * JSON.parse reviver: an integer beyond 2^53 keeps its exact digits, as a string. Platform ids are
 * 64-bit (Shopify's own sample order id 820982911946154508 would otherwise become …154500, and two
 * orders could share a rounded id); the id rules take strings as well as numbers.
 */
function keepLargeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  return typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source) ? context.source : value;
}
