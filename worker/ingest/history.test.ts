// A history batch (history: true, npm run import): old orders and contacts go as the official plugin's
// export sends them: no tags, no consent change, no double opt-in; sending it again sends nothing.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readConsent } from '../consent/store.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import type { QueueMessage } from '../queue/messages.ts';
import { consume, email, env, simContact, simEventsOf, uid } from '../test/delivery-fixtures.ts';

let skew = 0;
async function batch(body: unknown): Promise<{ status: number; body: { items: { id: string; status: string }[] } }> {
  const raw = JSON.stringify(body);
  const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000) + ++skew, 'POST', '/api/v1/batch', raw);
  const ctx = createExecutionContext();
  const res = await app.request(
    '/api/v1/batch',
    { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw },
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const json = await res.json<never>();
  return { status: res.status, body: json };
}

afterEach(() => vi.restoreAllMocks());

describe('POST /api/v1/batch with history: true', () => {
  it('sends old orders and contacts without tags or consent, with the order date, and only once', async () => {
    const sent: QueueMessage[] = [];
    vi.spyOn(env.EVENTS, 'sendBatch').mockImplementation(async (messages) => {
      sent.push(...[...messages].map((m) => m.body));
      return undefined as never;
    });
    const buyer = email('hist');
    const member = email('histc');
    const orderId = uid('o');
    const items = [
      {
        kind: 'event',
        type: 'purchase',
        orderId,
        email: buyer,
        value: 30,
        currency: 'PLN',
        occurredAt: '2021-03-04T10:00:00+01:00',
        products: [{ id: 'p1', quantity: 3, price: 10 }],
      },
      {
        kind: 'contact',
        email: member,
        name: 'Ala',
        newsletter: 'subscribe',
        sms: 'subscribe',
        trigger: 'registration',
        consents: [{ name: 'terms', accepted: true, at: '2021-01-01T00:00:00Z' }],
      },
    ];
    const first = await batch({ history: true, items });
    expect(first.status).toBe(202);
    expect(first.body.items.map((i) => i.status)).toEqual(['queued', 'queued']);
    // The newsletter choice of an import is not a consent statement: nothing stored.
    expect(await readConsent(env.CONSENTS, member)).toBeNull();

    await consume(sent);
    const [purchase] = await simEventsOf([buyer]);
    expect(purchase).toMatchObject({ contactExtEventType: 'PURCHASE', externalId: orderId });
    const buyerContact = await simContact(buyer);
    const memberContact = await simContact(member);
    // localWorkerVars set TAGS_PURCHASE_GUEST and TAGS_REGISTRATION: history gets neither.
    expect(buyerContact?.tags ?? []).toEqual([]);
    expect(memberContact).toMatchObject({ name: 'Ala', tags: [] });
    expect(memberContact!.optIn).not.toMatch(/^opt-?in$/i);

    const again = await batch({ history: true, items });
    expect(again.status).toBe(200);
    expect(again.body.items.map((i) => i.status)).toEqual(['duplicate', 'duplicate']);
    // Changed contact data is a new upsert.
    const changed = await batch({ history: true, items: [{ ...items[1], name: 'Alicja' }] });
    expect(changed.body.items.map((i) => i.status)).toEqual(['queued']);
  });

  it('without history, the same contact is queued each time and its trigger tags it', async () => {
    vi.spyOn(env.EVENTS, 'sendBatch').mockResolvedValue(undefined as never);
    const item = { kind: 'contact', email: email('live'), trigger: 'registration' };
    expect((await batch({ items: [item] })).body.items[0]!.status).toBe('queued');
    expect((await batch({ items: [item] })).body.items[0]!.status).toBe('queued');
  });
});
