// Shop server API (docs/contracts.md "Shop server API"): order events, contacts and history batches.
// Every request is signed (shopSignature: 401 when missing, wrong, outside ±300 s or replayed).
// Routes only validate and enqueue; see ingest/enqueue.ts for the ledger-then-queue order. A batch
// is queued packed: up to 50 items (and ~120 KB) per queue message, so delivery sends few big calls.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env.ts';
import type { AcceptedContact, ItemMessage } from '../queue/messages.ts';
import type { RequestProof } from '../consent/proof.ts';
import { withConfig } from '../http/config.ts';
import { readJson } from '../http/json.ts';
import { shopSignature } from '../http/shop-signature.ts';
import { enqueue } from '../ingest/enqueue.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from '../queue/send.ts';
import { describeIssues } from '../ingest/problems.ts';
import { ledgerUnavailable } from '../ingest/request.ts';
import { orderConflicts, recordConflicts } from '../ingest/order-conflict.ts';
import { acceptHistoryContact, acceptShopContact, acceptShopEvent } from '../ingest/shop.ts';
import { contactStatementsAlongside, recordShopConsent, recordShopStatements } from '../ingest/shop-consent.ts';
import { shopBatchSchema, shopContactSchema, shopEventSchema } from '../ingest/shop-schema.ts';
import { acceptProducts, parseProducts } from '../catalog/accept.ts';

export const MAX_SHOP_BODY_BYTES = 256 * 1024;
// 500 items of a few KB each; a larger export is sent in smaller batches (http/shop-signature.ts reads
// at most this before the HMAC can be checked).
export const MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;

// Signature header, then body size, then the body (http/shop-signature.ts), and the replay record.
const limit = (maxSize: number) => shopSignature(maxSize);
// The same, for a route whose enqueue runs the replay record in its ledger batch (it must pass
// `claim: c.get('signatureClaim')`): one D1 round trip per signed request.
const limitWithLedger = (maxSize: number) => shopSignature(maxSize, { replayGuard: 'with-ledger' });

const tooLarge = (bytes: number) => `is too large once normalised (${bytes} bytes; at most ${MAX_MESSAGE_BYTES})`;

async function parseBody<T>(c: Context<AppEnv>, schema: v.GenericSchema<unknown, T>): Promise<{ ok: true; value: T } | { ok: false; response: Response }> {
  const json = await readJson(c);
  if (!json.ok) return { ok: false, response: c.json({ error: json.error }, 400) };
  const parsed = v.safeParse(schema, json.value);
  if (!parsed.success) return { ok: false, response: c.json({ error: describeIssues(parsed.issues) }, 400) };
  return { ok: true, value: parsed.output };
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

export const shopApi = new Hono<AppEnv>();

shopApi.use(withConfig);

shopApi.post('/events', limitWithLedger(MAX_SHOP_BODY_BYTES), async (c) => {
  const receivedAt = Date.now();
  const body = await parseBody(c, shopEventSchema);
  if (!body.ok) return body.response;
  const message: ItemMessage = { kind: 'event', event: acceptShopEvent(body.value, receivedAt) };
  const bytes = messageBytes(message);
  if (bytes > MAX_MESSAGE_BYTES) return c.json({ error: `body: ${tooLarge(bytes)}` }, 413);
  try {
    const [outcome] = (await enqueue(c.env, [message], { now: receivedAt, claim: c.get('signatureClaim') })).outcomes;
    if (outcome?.status === 'duplicate') {
      // Same order, other content: the first version stands and the shop learns what differs.
      const [fields = []] = await orderConflicts(c.env.LEDGER, [message.event]);
      if (fields.length > 0) {
        await recordConflicts(c.env.LEDGER, [{ id: outcome.id, fields }], receivedAt);
        return c.json({ id: outcome.id, status: 'conflict', fields }, 409);
      }
    }
    return c.json(outcome, outcome?.status === 'duplicate' ? 200 : 202);
  } catch (err) {
    ledgerUnavailable(err);
  }
});

shopApi.post('/contacts', limitWithLedger(MAX_SHOP_BODY_BYTES), async (c) => {
  const receivedAt = Date.now();
  const body = await parseBody(c, shopContactSchema);
  if (!body.ok) return body.response;
  const contact = acceptShopContact(body.value, receivedAt);
  try {
    // The statements' proof is written in the same D1 batch as the ledger row.
    const proof = await contactStatementsAlongside(c.env.LEDGER, c.var.config.shopApiSecret, contact, proofOf(body.value));
    const [outcome] = (await enqueue(c.env, [{ kind: 'contact', contact }], { now: receivedAt, alongside: proof.statements, claim: c.get('signatureClaim') })).outcomes;
    if (!proof.erased) await recordShopConsent(c.env.CONSENTS, contact);
    return c.json(outcome, 202);
  } catch (err) {
    ledgerUnavailable(err);
  }
});

shopApi.post('/batch', limitWithLedger(MAX_BATCH_BODY_BYTES), async (c) => {
  const receivedAt = Date.now();
  const envelope = await parseBody(c, shopBatchSchema);
  if (!envelope.ok) return envelope.response;
  // Every item is checked before anything is recorded: a batch is accepted whole or refused whole.
  const messages: ItemMessage[] = [];
  const history = envelope.value.history === true;
  const proofs = new Map<string, RequestProof>();
  for (const [index, item] of envelope.value.items.entries()) {
    let message: ItemMessage;
    if (item.kind === 'event') {
      const parsed = v.safeParse(shopEventSchema, item);
      if (!parsed.success) return c.json({ error: describeIssues(parsed.issues, `items[${index}]`) }, 400);
      const event = acceptShopEvent(parsed.output, receivedAt);
      message = { kind: 'event', event: history ? { ...event, history: true } : event };
    } else {
      const parsed = v.safeParse(shopContactSchema, item);
      if (!parsed.success) return c.json({ error: describeIssues(parsed.issues, `items[${index}]`) }, 400);
      const contact = history ? await acceptHistoryContact(parsed.output, receivedAt) : acceptShopContact(parsed.output, receivedAt);
      proofs.set(contact.id, proofOf(parsed.output));
      message = { kind: 'contact', contact };
    }
    const bytes = messageBytes(message);
    // 413, as /events answers the same item.
    if (bytes > MAX_MESSAGE_BYTES) return c.json({ error: `items[${index}]: ${tooLarge(bytes)}` }, 413);
    messages.push(message);
  }
  try {
    const { outcomes } = await enqueue(c.env, messages, { now: receivedAt, claim: c.get('signatureClaim') });
    // Each contact's statements with its own ip/userAgent/version when it has them; a history batch's
    // (npm run import) are recorded as "imported".
    const contacts = messages.flatMap((m) => (m.kind === 'contact' ? [m.contact] : []));
    await Promise.all(groupByProof(contacts, proofs).map(([proof, group]) => recordShopStatements(c.env, c.var.config.shopApiSecret, group, history ? 'imported' : 'shop', proof)));
    // Same order, other content: the first version stands and the item says what differs.
    const reposted = messages.flatMap((m, i) => (m.kind === 'event' && outcomes[i]?.status === 'duplicate' ? [{ i, event: m.event }] : []));
    const conflicts = await orderConflicts(c.env.LEDGER, reposted.map((r) => r.event));
    const items: { id: string; status: string; fields?: string[] }[] = [...outcomes];
    reposted.forEach((r, k) => {
      const fields = conflicts[k] ?? [];
      if (fields.length > 0) items[r.i] = { id: outcomes[r.i]!.id, status: 'conflict', fields };
    });
    await recordConflicts(c.env.LEDGER, items.flatMap((i) => (i.fields ? [{ id: i.id, fields: i.fields }] : [])), receivedAt);
    return c.json({ items }, outcomes.some((o) => o.status === 'queued') ? 202 : 200);
  } catch (err) {
    ledgerUnavailable(err);
  }
});

// The product catalog (docs/catalog.md): up to 500 products, refused whole when one is invalid;
// unchanged ones (same content as last accepted) are counted and not sent again.
shopApi.post('/products', limit(MAX_BATCH_BODY_BYTES), async (c) => {
  const receivedAt = Date.now();
  const json = await readJson(c);
  if (!json.ok) return c.json({ error: json.error }, 400);
  const parsed = parseProducts(json.value);
  if (!parsed.ok) return c.json({ error: parsed.error }, 400);
  try {
    return c.json(await acceptProducts(c.env, parsed.products, c.var.config.catalog.catalogId, receivedAt), 202);
  } catch (err) {
    ledgerUnavailable(err);
  }
});
