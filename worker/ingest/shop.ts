// Turns validated shop server bodies into AcceptedEvents / AcceptedContacts with their ledger ids, and
// the shop API's three write flows (the one function each route of routes/shop-api.ts calls): check,
// record (ingest/enqueue.ts: ledger first, then the queue), the consent statements, order conflicts.
// A refusal is thrown (worker/errors.ts); the route answers the outcome.
import * as v from 'valibot';
import type { Env } from '../env.ts';
import { InvalidRequest, ledgerUnavailable, OrderConflict, TooLarge } from '../errors.ts';
import type { AcceptedContact, AcceptedEvent, ItemMessage } from '../queue/messages.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from '../queue/send.ts';
import type { RequestProof } from '../consent/proof.ts';
import { enqueue, type EnqueueOutcome } from './enqueue.ts';
import { orderConflicts, recordConflicts } from './order-conflict.ts';
import { ledgerDatabases } from '../ledger/databases.ts';
import type { SignatureClaim } from '../ledger/seen-signatures.ts';
import { describeIssues } from './problems.ts';
import { contactStatementsAlongside, recordShopConsent, recordShopStatements } from './shop-consent.ts';
import { shopBatchSchema, shopContactSchema, shopEventSchema, type ShopContactInput, type ShopEventInput } from './shop-schema.ts';

/**
 * Deterministic ledger id of an order event: the same (type, orderId, returnId) always gives the same
 * id, so a repost hits the ledger's primary key and is answered "duplicate". "%" and ":" in the parts
 * are percent-escaped, so an order id containing ":" cannot collide with another (orderId, returnId).
 * returnId is part of the identity of returns only.
 */
export function shopEventId(type: ShopEventInput['type'], orderId: string, returnId?: string | null): string {
  const base = `s:${type}:${escapeIdPart(orderId)}`;
  return type === 'return' ? `${base}:${escapeIdPart(returnId ?? '')}` : base;
}

function escapeIdPart(part: string): string {
  return part.replace(/[%:]/g, (ch) => (ch === '%' ? '%25' : '%3A'));
}

function optional<K extends string, T>(key: K, value: T | null | undefined): Partial<Record<K, T>> {
  return value === null || value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, T>);
}

export function acceptShopEvent(input: ShopEventInput, receivedAt: number): AcceptedEvent {
  return {
    id: shopEventId(input.type, input.orderId, input.returnId),
    type: input.type,
    source: 'shop',
    occurredAt: input.occurredAt,
    receivedAt,
    email: input.email,
    emailVerified: true,
    ...optional('name', input.name),
    ...optional('phone', input.phone),
    ...optional('lang', input.lang),
    products: input.products.map((p) => ({
      id: p.id,
      quantity: p.quantity,
      ...optional('name', p.name),
      ...optional('price', p.price),
    })),
    value: input.value,
    currency: input.currency,
    order: {
      orderId: input.orderId,
      ...optional('returnId', input.type === 'return' ? input.returnId : undefined),
      ...optional('loggedIn', input.loggedIn),
      ...optional('paymentMethod', input.paymentMethod),
      ...optional('shippingMethod', input.shippingMethod),
    },
    ...optional('buyer', buyerOf(input)),
  };
}

/** The buyer's contact data of an order (customerId is the shop's customer id, SALESmanago's externalId). */
function buyerOf(input: ShopEventInput): AcceptedEvent['buyer'] {
  const buyer: NonNullable<AcceptedEvent['buyer']> = {
    ...optional('externalId', input.customerId),
    ...optional('address', input.address ? definedOnly(input.address) : undefined),
    ...optional('birthday', input.birthday),
    ...optional('properties', input.properties),
  };
  return Object.keys(buyer).length > 0 ? buyer : undefined;
}

/** A contact is not deduplicated: each post is a new upsert (the latest data wins in SALESmanago). */
export function acceptShopContact(input: ShopContactInput, receivedAt: number, id = `c:${crypto.randomUUID()}`): AcceptedContact {
  return {
    id,
    receivedAt,
    email: input.email,
    ...optional('name', input.name),
    ...optional('phone', input.phone),
    ...optional('company', input.company),
    ...optional('lang', input.lang),
    ...optional('newsletter', input.newsletter),
    ...optional('trigger', input.trigger),
    // The complete contact (issue 9): passed through as validated by shopContactSchema.
    ...optional('sms', input.sms),
    ...optional('externalId', input.externalId),
    ...optional('address', input.address ? definedOnly(input.address) : undefined),
    ...optional('birthday', input.birthday),
    ...optional('properties', input.properties),
    ...optional('removeTags', input.removeTags),
    ...optional('previousEmail', input.previousEmail),
    ...optional('consents', input.consents),
  };
}

function definedOnly<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== null && x !== undefined && x !== '')) as never;
}

/**
 * A history contact (a batch with history: true): the consent fields are dropped, since an import never
 * changes consent (as the plugin's export, SDK `Services/ExportService.php:57-60`: no double opt-in), and
 * neither is the trigger kept (its tags). Its ledger id is a hash of what is left, so importing the same
 * contact again is answered "duplicate" and sends nothing; changed data is a new upsert.
 */
async function acceptHistoryContact(input: ShopContactInput, receivedAt: number): Promise<AcceptedContact> {
  const { newsletter: _n, sms: _s, consents: _c, trigger: _t, ...kept } = input;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(kept)));
  const hex = [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { ...acceptShopContact(kept, receivedAt, `c:h:${hex}`), history: true };
}

/** A signed write of the shop API: when it arrived, and its replay record to run in the ledger batch. */
export interface ShopRequest {
  receivedAt: number;
  claim?: SignatureClaim | undefined;
  /** LEDGER_DATABASES (ledger/databases.ts; default 1). */
  ledgers?: number;
}

type ShopEnv = Pick<Env, 'LEDGER' | 'EVENTS' | 'CONSENTS'>;

/** The body checked against `schema`, or InvalidRequest naming the first field that is wrong. */
function checked<T>(schema: v.GenericSchema<unknown, T>, value: unknown, prefix = ''): T {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw new InvalidRequest(describeIssues(parsed.issues, prefix));
  return parsed.output;
}

/** A queue message must fit Cloudflare's limit once normalised: TooLarge (413) otherwise. */
function fitting(message: ItemMessage, where: string): ItemMessage {
  const bytes = messageBytes(message);
  if (bytes > MAX_MESSAGE_BYTES) throw new TooLarge(`${where}: is too large once normalised (${bytes} bytes; at most ${MAX_MESSAGE_BYTES})`);
  return message;
}

/** The proof fields of a request (or of a batch item): ip, userAgent, version. */
function proofOf(input: { ip?: string | null; userAgent?: string | null; version?: string | null }): RequestProof {
  return {
    ...(input.ip ? { ip: input.ip } : {}),
    ...(input.userAgent ? { userAgent: input.userAgent } : {}),
    ...(input.version ? { version: input.version } : {}),
  };
}

/** Contacts grouped by identical proof, so a batch records its statements in few writes. */
function groupByProof(contacts: AcceptedContact[], proofs: Map<string, RequestProof>): [RequestProof, AcceptedContact[]][] {
  const groups = new Map<string, [RequestProof, AcceptedContact[]]>();
  for (const contact of contacts) {
    const proof = proofs.get(contact.id) ?? {};
    const key = JSON.stringify(proof);
    const group = groups.get(key) ?? [proof, []];
    group[1].push(contact);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** POST /api/v1/events: the outcome (queued, or duplicate); OrderConflict when a repost says otherwise. */
export async function acceptEventRequest(env: ShopEnv, body: unknown, request: ShopRequest): Promise<EnqueueOutcome> {
  const { receivedAt, claim, ledgers = 1 } = request;
  const message = fitting({ kind: 'event', event: acceptShopEvent(checked(shopEventSchema, body), receivedAt) }, 'body') as ItemMessage & { kind: 'event' };
  try {
    const [outcome] = (await enqueue(env, [message], { now: receivedAt, claim, ledgers })).outcomes;
    if (outcome?.status === 'duplicate') {
      // Same order, other content: the first version stands and the shop learns what differs.
      const [fields = []] = await orderConflicts(ledgerDatabases(env, ledgers), [message.event]);
      if (fields.length > 0) {
        await recordConflicts(env.LEDGER, [{ id: outcome.id, fields }], receivedAt);
        throw new OrderConflict(outcome.id, fields);
      }
    }
    return outcome!;
  } catch (err) {
    ledgerUnavailable(err);
  }
}

/** POST /api/v1/contacts: recorded with the proof of its statements, and queued. */
export async function acceptContactRequest(env: ShopEnv, shopApiSecret: string | null, body: unknown, request: ShopRequest): Promise<EnqueueOutcome> {
  const { receivedAt, claim, ledgers } = request;
  const input = checked(shopContactSchema, body);
  const contact = acceptShopContact(input, receivedAt);
  try {
    // The statements' proof is written in the same D1 batch as the ledger row.
    const proof = await contactStatementsAlongside(env.LEDGER, shopApiSecret, contact, proofOf(input));
    const [outcome] = (await enqueue(env, [{ kind: 'contact', contact }], { now: receivedAt, alongside: proof.statements, claim, ledgers })).outcomes;
    if (!proof.erased) await recordShopConsent(env.CONSENTS, contact);
    return outcome!;
  } catch (err) {
    ledgerUnavailable(err);
  }
}

export interface BatchItem {
  id: string;
  status: string;
  fields?: string[];
}

/**
 * POST /api/v1/batch: every item is checked before anything is recorded (a batch is accepted whole or
 * refused whole); queued packed, up to 50 items (and ~120 KB) per queue message. A reposted order with
 * other content is the item's `conflict`, not the batch's.
 */
export async function acceptBatchRequest(env: ShopEnv, shopApiSecret: string | null, body: unknown, request: ShopRequest): Promise<{ items: BatchItem[] }> {
  const { receivedAt, claim, ledgers = 1 } = request;
  const envelope = checked(shopBatchSchema, body);
  const messages: ItemMessage[] = [];
  const history = envelope.history === true;
  const proofs = new Map<string, RequestProof>();
  for (const [index, item] of envelope.items.entries()) {
    let message: ItemMessage;
    if (item.kind === 'event') {
      const event = acceptShopEvent(checked(shopEventSchema, item, `items[${index}]`), receivedAt);
      message = { kind: 'event', event: history ? { ...event, history: true } : event };
    } else {
      const input = checked(shopContactSchema, item, `items[${index}]`);
      const contact = history ? await acceptHistoryContact(input, receivedAt) : acceptShopContact(input, receivedAt);
      proofs.set(contact.id, proofOf(input));
      message = { kind: 'contact', contact };
    }
    // 413, as /events answers the same item.
    messages.push(fitting(message, `items[${index}]`));
  }
  try {
    const { outcomes } = await enqueue(env, messages, { now: receivedAt, claim, ledgers });
    // Each contact's statements with its own ip/userAgent/version when it has them; a history batch's
    // (npm run import) are recorded as "imported".
    const contacts = messages.flatMap((m) => (m.kind === 'contact' ? [m.contact] : []));
    await Promise.all(
      groupByProof(contacts, proofs).map(([proof, group]) => recordShopStatements(env, shopApiSecret, group, history ? 'imported' : 'shop', proof)),
    );
    // Same order, other content: the first version stands and the item says what differs.
    const reposted = messages.flatMap((m, i) => (m.kind === 'event' && outcomes[i]?.status === 'duplicate' ? [{ i, event: m.event }] : []));
    const conflicts = await orderConflicts(
      ledgerDatabases(env, ledgers),
      reposted.map((r) => r.event),
    );
    const items: BatchItem[] = [...outcomes];
    reposted.forEach((r, k) => {
      const fields = conflicts[k] ?? [];
      if (fields.length > 0) items[r.i] = { id: outcomes[r.i]!.id, status: 'conflict', fields };
    });
    await recordConflicts(
      env.LEDGER,
      items.flatMap((i) => (i.fields ? [{ id: i.id, fields: i.fields }] : [])),
      receivedAt,
    );
    return { items };
  } catch (err) {
    ledgerUnavailable(err);
  }
}
