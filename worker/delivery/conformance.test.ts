// Contacts as SALESmanago's own code sends them, end to end through deliver() and the shared
// simulator: where the double opt-in fields sit, at most one DOI mail per subscribe (also when a call
// timed out after SALESmanago stored it), e-mail and phone consent apart, the complete contact.
import { describe, expect, it, vi } from 'vitest';
import { readConfig, type Config } from '../config.ts';
import type { Env } from '../env.ts';
import { PATHS, SalesmanagoClient } from '../salesmanago/client.ts';
import { acceptBeacon } from '../ingest/beacon.ts';
import { latestKnownCart } from './carts.ts';
import { deliver } from './deliver.ts';
import type { WorkItem } from './work.ts';
import { claimDoubleOptIns, contactNeedOfEvent, contactNeedOfShopContact, mergeContactNeeds } from './contacts.ts';
import { recordConsent } from '../consent/store.ts';
import { toContactEvent } from './mapping.ts';
import { shareableUrl } from './urls.ts';
import type { AcceptedContact, AcceptedEvent } from '../queue/messages.ts';
import {
  asContact,
  asEvent,
  browserEvent,
  consume,
  email,
  env,
  ledger,
  orderEvent,
  recordAccepted,
  shopContact,
  simEventsOf,
  simState,
} from '../test/delivery-fixtures.ts';

interface Sent {
  path: string;
  body: Record<string, unknown>;
}

type Mode = 'normal' | 'late' | 'refused';

/** A client whose calls are recorded; "late": stored by the simulator, then our timeout fires; "refused": 429, not sent on. */
function recordingClient(mode: () => Mode) {
  const sent: Sent[] = [];
  const base = readConfig(env).salesmanago!;
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    sent.push({ path: url.pathname, body: JSON.parse(String(init?.body)) });
    const m = mode();
    if (m === 'refused') return new Response('{"success":false,"message":["Too many requests"]}', { status: 429 });
    const res = await fetch(input, init);
    if (m === 'late') {
      await res.text();
      const signal = init?.signal;
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    }
    return res;
  }) as typeof fetch;
  return { sent, client: new SalesmanagoClient({ ...base, timeoutMs: 300 }, fetcher) };
}

function configWith(doubleOptIn: Config['doubleOptIn']): Config {
  return { ...readConfig(env), doubleOptIn };
}

const DOI_ON = { enabled: true, emailId: 'tpl-doi', language: 'PL' };
const DOI_OFF = { enabled: false };

async function run(contact: AcceptedContact, opts: { attempt?: number; doi?: Config['doubleOptIn']; mode?: Mode; consents?: KVNamespace } = {}) {
  const rec = recordingClient(() => opts.mode ?? 'normal');
  const items: WorkItem[] = [{ id: contact.id, contact, attempt: opts.attempt ?? 1 }];
  const [item] = await deliver(items, {
    db: env.LEDGER,
    client: rec.client,
    config: configWith(opts.doi ?? DOI_OFF),
    requeue: async () => {},
    // Quick in-run retries without their real waits (run.ts QUICK_WAITS_MS).
    sleep: async () => {},
    ...(opts.consents ? { consents: opts.consents } : {}),
  });
  return { sent: rec.sent, outcome: item?.outcome };
}

const simContactOf = async (address: string) => (await simState()).contacts.find((c) => c.email === address) as Record<string, unknown> | undefined;
const doiKeys = (o: Record<string, unknown>) => Object.keys(o).filter((k) => /doubleoptin/i.test(k));

describe('consent decided in the order it reached us', () => {
  it('a shop subscribe that waited for a retry is not sent when a later opt-out is stored (the e-mail pair goes as no change)', async () => {
    const address = email('overtaken');
    const c = shopContact({ email: address, newsletter: 'subscribe', receivedAt: Date.now() - 60_000 });
    await recordAccepted([asContact(c)]);
    await recordConsent(env.CONSENTS, { email: address, status: 'opt-out', changedAt: Date.now(), source: 'salesmanago' }, { log: env.LEDGER });
    const { sent, outcome } = await run(c, { consents: env.CONSENTS });
    expect(outcome?.status).toBe('delivered');
    const [detail] = sent[0]!.body.upsertDetails as Record<string, unknown>[];
    expect(detail).toMatchObject({ forceOptIn: false, forceOptOut: false });
    expect(await simContactOf(address)).not.toMatchObject({ optIn: 'opt-in' });
  });

  it('a subscribe received before a later stored change of the same kind is still sent', async () => {
    const address = email('agrees');
    const c = shopContact({ email: address, newsletter: 'subscribe', receivedAt: Date.now() - 60_000 });
    await recordAccepted([asContact(c)]);
    await recordConsent(env.CONSENTS, { email: address, status: 'opt-in', changedAt: Date.now(), source: 'salesmanago' }, { log: env.LEDGER });
    const { sent } = await run(c, { consents: env.CONSENTS });
    const [detail] = sent[0]!.body.upsertDetails as Record<string, unknown>[];
    expect(detail).toMatchObject({ forceOptIn: true, forceOptOut: false });
  });

  it("a shopper's clock running ahead never makes a signup win over the shop's later unsubscribe", () => {
    const now = Date.now();
    const config = { ...readConfig(env), browserSignupOptIn: true, doubleOptIn: DOI_OFF };
    const signup = browserEvent('newsletter', { email: 'clock@example.com', occurredAt: now + 5 * 60_000, receivedAt: now });
    const unsubscribe = shopContact({ email: 'clock@example.com', newsletter: 'unsubscribe', receivedAt: now + 1_000 });
    const merged = mergeContactNeeds([contactNeedOfEvent(signup, config)!, contactNeedOfShopContact(unsubscribe, config)]);
    expect(merged.upsert.consent).toBe('unsubscribe');
  });
});

describe('double opt-in', () => {
  it('two subscribes merged into one upsert are both claimed: a retry of either alone asks for no second mail', async () => {
    const config = configWith(DOI_ON);
    const address = email('two-subs');
    const a = shopContact({ email: address, newsletter: 'subscribe' });
    const b = shopContact({ email: address, newsletter: 'subscribe', receivedAt: a.receivedAt + 1 });
    const merged = mergeContactNeeds([contactNeedOfShopContact(a, config), contactNeedOfShopContact(b, config)]);
    expect(merged.subscribeIds).toEqual([a.id, b.id]);
    const [first] = await claimDoubleOptIns(env.LEDGER, [merged], Date.now());
    expect(first?.upsert.doubleOptIn).toBeDefined();
    for (const alone of [a, b]) {
      const [again] = await claimDoubleOptIns(env.LEDGER, [contactNeedOfShopContact(alone, config)], Date.now());
      expect(again?.upsert.doubleOptIn, alone.id).toBeUndefined();
      expect(again?.upsert.consent).toBe('no-change');
    }
  });

  it('on: a subscribe goes as a single upsert with the DOI fields at the top level, e-mail pair only', async () => {
    const c = shopContact({ email: email('doi'), newsletter: 'subscribe' });
    await recordAccepted([asContact(c)]);
    const { sent, outcome } = await run(c, { doi: DOI_ON });
    expect(outcome?.status).toBe('delivered');
    expect(sent.map((s) => s.path)).toEqual([PATHS.upsert]);
    expect(sent[0]?.body).toMatchObject({
      contact: { email: c.email },
      forceOptIn: true,
      forceOptOut: false,
      forcePhoneOptIn: false,
      forcePhoneOptOut: false,
      useApiDoubleOptIn: true,
      doubleOptInEmailId: 'tpl-doi',
      doubleOptInLanguage: 'PL',
    });
    expect(await simContactOf(c.email)).toMatchObject({ optIn: 'pending', phoneOptIn: 'unknown', doubleOptInMails: 1 });
  });

  it('off: a subscribe goes in a batchupsert carrying top-level useApiDoubleOptIn:false and no DOI key in items', async () => {
    const c = shopContact({ email: email('nodoi'), newsletter: 'subscribe' });
    await recordAccepted([asContact(c)]);
    const { sent } = await run(c, { doi: DOI_OFF });
    expect(sent.map((s) => s.path)).toEqual([PATHS.batchUpsert]);
    expect(sent[0]!.body.useApiDoubleOptIn).toBe(false);
    const [detail] = sent[0]!.body.upsertDetails as Record<string, unknown>[];
    expect(doiKeys(detail!)).toEqual([]);
    expect(detail).toMatchObject({ forceOptIn: true, forceOptOut: false, forcePhoneOptIn: false, forcePhoneOptOut: false });
    expect(await simContactOf(c.email)).toMatchObject({ optIn: 'opt-in', phoneOptIn: 'unknown', doubleOptInMails: 0 });
  });

  it('a subscribe whose DOI upsert timed out after SALESmanago stored it is retried without asking again: one mail', async () => {
    const c = shopContact({ email: email('late'), newsletter: 'subscribe' });
    await recordAccepted([asContact(c)]);
    const first = await run(c, { doi: DOI_ON, mode: 'late' });
    expect(first.outcome).toMatchObject({ status: 'retry', reason: expect.stringMatching(/timeout/) });
    expect(await simContactOf(c.email)).toMatchObject({ optIn: 'pending', doubleOptInMails: 1 });
    const second = await run(c, { doi: DOI_ON, attempt: 2 });
    expect(second.outcome?.status).toBe('delivered');
    expect(second.sent.map((s) => s.path)).toEqual([PATHS.batchUpsert]);
    const [detail] = second.sent[0]!.body.upsertDetails as Record<string, unknown>[];
    expect(detail).toMatchObject({ forceOptIn: false, forceOptOut: false });
    expect(await simContactOf(c.email)).toMatchObject({ optIn: 'pending', doubleOptInMails: 1 });
    expect(await ledger(c.id)).toMatchObject({ status: 'delivered' });
  });

  it('a DOI upsert SALESmanago certainly refused (429) asks again on its retry: still one mail', async () => {
    const c = shopContact({ email: email('refused'), newsletter: 'subscribe' });
    await recordAccepted([asContact(c)]);
    const first = await run(c, { doi: DOI_ON, mode: 'refused' });
    expect(first.outcome?.status).toBe('retry');
    expect(await simContactOf(c.email)).toBeUndefined();
    const second = await run(c, { doi: DOI_ON, attempt: 2 });
    expect(second.sent.map((s) => s.path)).toEqual([PATHS.upsert]);
    expect(second.sent[0]?.body).toMatchObject({ useApiDoubleOptIn: true });
    expect(await simContactOf(c.email)).toMatchObject({ optIn: 'pending', doubleOptInMails: 1 });
  });
});

describe('e-mail and phone consent apart', () => {
  it('sms subscribe sets the phone pair alone; newsletter unsubscribe the e-mail pair alone', async () => {
    const address = email('sms');
    const sms = shopContact({ email: address, sms: 'subscribe', phone: '+48600100200' });
    await recordAccepted([asContact(sms)]);
    const a = await run(sms);
    const [d1] = a.sent[0]!.body.upsertDetails as Record<string, unknown>[];
    expect(d1).toMatchObject({ forceOptIn: false, forceOptOut: false, forcePhoneOptIn: true, forcePhoneOptOut: false });
    expect(await simContactOf(address)).toMatchObject({ optIn: 'unknown', phoneOptIn: 'opt-in' });

    const unsub = shopContact({ email: address, newsletter: 'unsubscribe' });
    await recordAccepted([asContact(unsub)]);
    const b = await run(unsub);
    const [d2] = b.sent[0]!.body.upsertDetails as Record<string, unknown>[];
    expect(d2).toMatchObject({ forceOptIn: false, forceOptOut: true, forcePhoneOptIn: false, forcePhoneOptOut: false });
    expect(await simContactOf(address)).toMatchObject({ optIn: 'opt-out', phoneOptIn: 'opt-in' });

    const both = shopContact({ email: address, newsletter: 'unsubscribe', sms: 'unsubscribe' });
    await recordAccepted([asContact(both)]);
    await run(both);
    expect(await simContactOf(address)).toMatchObject({ optIn: 'opt-out', phoneOptIn: 'opt-out' });
  });
});

describe('the complete contact', () => {
  it('sends address, birthday, externalId, properties, removeTags, login tags, named consents; an e-mail change keeps the contact', async () => {
    const oldAddress = email('old');
    const newAddress = email('new');
    // A named consent goes only once linked to a consent of the account on /setup (consent/account-consents.ts).
    const { saveText } = await import('../consent/texts.ts');
    await saveText(env.LEDGER, { name: 'GDPR_MARKETING', text: 'I agree to marketing e-mails.', smName: 'GDPR_MARKETING' });
    const first = shopContact({ email: oldAddress, trigger: 'registration' });
    await recordAccepted([asContact(first)]);
    await run(first);
    const before = await simContactOf(oldAddress);

    const change = shopContact({
      email: newAddress,
      previousEmail: oldAddress,
      trigger: 'login',
      externalId: 'cust-42',
      address: { street: 'Długa 1', zipCode: '00-001', city: 'Warszawa', country: 'PL' },
      birthday: '1990-05-21',
      properties: { segment: 'vip' },
      removeTags: ['registration'],
      consents: [{ name: 'GDPR_MARKETING', accepted: true, at: 1_760_000_000_000 }],
    });
    await recordAccepted([asContact(change)]);
    const { sent, outcome } = await run(change);
    expect(outcome?.status).toBe('delivered');
    const [detail] = sent[0]!.body.upsertDetails as Record<string, unknown>[];
    expect(detail).toMatchObject({
      contact: { email: oldAddress, externalId: 'cust-42' },
      newEmail: newAddress,
      birthday: '19900521',
      removeTags: ['REGISTRATION'],
      tags: readConfig(env).tags.login.length > 0 ? readConfig(env).tags.login : undefined,
      consentDetails: [{ consentName: 'GDPR_MARKETING', consentAccept: true, agreementDate: 1_760_000_000_000, optOut: false }],
    });
    const after = await simContactOf(newAddress);
    expect(await simContactOf(oldAddress)).toBeUndefined();
    expect(after).toMatchObject({
      contactId: before?.contactId,
      externalId: 'cust-42',
      address: { streetAddress: 'Długa 1', zipCode: '00-001', city: 'Warszawa', country: 'PL' },
      birthday: '19900521',
      properties: { segment: 'vip' },
      consentDetails: [{ consentName: 'GDPR_MARKETING', consentAccept: true }],
    });
    expect(after?.tags).not.toContain('REGISTRATION');
  });
});

describe('carts that say what happened', () => {
  async function loggedInVisitor() {
    const visitor = `vis${crypto.randomUUID().slice(0, 12)}`;
    const who = email('cart');
    const login = browserEvent('login', { visitorId: visitor, email: who, emailVerified: true });
    await recordAccepted([asEvent(login)]);
    await consume([asEvent(login)]);
    return { visitor, who };
  }
  const carts = async (who: string) => (await simEventsOf([who])).filter((e) => e.contactExtEventType === 'CART');
  /** Accepted, then delivered after the settle window (the queue's second attempt). */
  async function deliverCarts(...events: AcceptedEvent[]) {
    await recordAccepted(events.map(asEvent));
    return consume(events.map(asEvent), { attempts: 2 });
  }

  it('a cart-page visit without contents never overwrites known contents', async () => {
    const { visitor, who } = await loggedInVisitor();
    const t = Date.now();
    const real = browserEvent('cart', { visitorId: visitor, occurredAt: t, receivedAt: t, products: [{ id: 'a', quantity: 2, price: 10 }] });
    // The Cart the collector makes of a visit under data-cart-path: no products field at all.
    const page = browserEvent('cart', { visitorId: visitor, occurredAt: t + 1000, receivedAt: t + 1000, url: 'http://localhost/koszyk' });
    await deliverCarts(real, page);
    expect(await carts(who)).toMatchObject([{ products: 'a', value: 20, updates: 0 }]);
    const later = browserEvent('cart', { visitorId: visitor, occurredAt: t + 2000, receivedAt: t + 2000, url: 'http://localhost/koszyk' });
    await deliverCarts(later);
    expect(await carts(who)).toMatchObject([{ products: 'a', value: 20, updates: 0 }]);
    expect(await ledger(later.id)).toMatchObject({ status: 'delivered' });
  });

  it('two changes in one beacon (same millisecond): the later position wins, whatever the ids', async () => {
    const { visitor, who } = await loggedInVisitor();
    const t = Date.now();
    const first = browserEvent('cart', {
      id: `b:${visitor}:9999`,
      visitorId: visitor,
      occurredAt: t,
      receivedAt: t,
      seq: 0,
      products: [{ id: 'old', quantity: 1, price: 1 }],
    });
    const second = browserEvent('cart', {
      id: `b:${visitor}:0000`,
      visitorId: visitor,
      occurredAt: t,
      receivedAt: t,
      seq: 1,
      products: [{ id: 'new', quantity: 1, price: 2 }],
    });
    await deliverCarts(first, second);
    expect(await carts(who)).toMatchObject([{ products: 'new', value: 2 }]);
    // Delivered again in the other order (a retry): still the newer one.
    await consume([asEvent(second), asEvent(first)], { attempts: 3 });
    expect(await carts(who)).toMatchObject([{ products: 'new', value: 2 }]);
  });

  it('an older change that arrives late (another beacon, out of order) never wins', async () => {
    const { visitor, who } = await loggedInVisitor();
    const t = Date.now();
    const newer = browserEvent('cart', { visitorId: visitor, occurredAt: t, receivedAt: t, products: [{ id: 'newer', quantity: 1, price: 3 }] });
    await deliverCarts(newer);
    const older = browserEvent('cart', { visitorId: visitor, occurredAt: t - 5000, receivedAt: t + 5000, products: [{ id: 'older', quantity: 1, price: 4 }] });
    await deliverCarts(older);
    expect(await carts(who)).toMatchObject([{ products: 'newer', value: 3, updates: 0 }]);
    expect(await ledger(older.id)).toMatchObject({ status: 'delivered' });
  });

  it('an emptied cart creates no CART event (official code never sends an empty event)', async () => {
    const { visitor, who } = await loggedInVisitor();
    const emptied = browserEvent('cart', { visitorId: visitor, products: [], value: 0 });
    await deliverCarts(emptied);
    expect(await carts(who)).toEqual([]);
    expect(await ledger(emptied.id)).toMatchObject({ status: 'delivered' });
  });
});

describe('beacon order', () => {
  it('each event of a beacon carries its position, which orders changes of one millisecond', async () => {
    const events = await acceptBeacon(
      {
        visitor: 'v'.repeat(16),
        events: [
          { k: 'cart', i: 'zzzzzzzz', t: 1_760_000_000_000, products: [{ id: 'a', quantity: 1 }] },
          { k: 'cart', i: 'aaaaaaaa', t: 1_760_000_000_000, products: [{ id: 'b', quantity: 1 }] },
        ] as never,
      },
      { receivedAt: 1_760_000_000_500, shopApiSecret: null },
    );
    expect(events.map((e) => e.seq)).toEqual([0, 1]);
    expect(latestKnownCart(events.map((event) => ({ event })))?.event.products?.[0]?.id).toBe('b');
  });
});

describe('form text in URLs', () => {
  it('strips query parameters from page URLs and referrers except utm_* and product/category ids', () => {
    const ctx = { location: 'sm_edge_demo', shopDomains: ['localhost'] };
    const visit = browserEvent('visit', {
      url: 'https://sklep.example.pl/dziekujemy?message=Prosz%C4%99+o+ofert%C4%99&company=ACME&utm_source=news&UTM_Campaign=x&product_id=7#top',
      referrer: 'https://sklep.example.pl/kontakt?email=jan%40example.pl&category=3',
      title: 'Dziękujemy',
    });
    const out = toContactEvent(visit, ctx);
    expect(out.details?.[9]).toBe('https://sklep.example.pl/dziekujemy?utm_source=news&UTM_Campaign=x&product_id=7');
    expect(out.details?.[10]).toBe('https://sklep.example.pl/kontakt?category=3');
    expect(out.description).toBe('Dziękujemy (https://sklep.example.pl/dziekujemy?utm_source=news&UTM_Campaign=x&product_id=7)');
    expect(JSON.stringify(out)).not.toMatch(/ACME|ofert|jan/);
    const cart = toContactEvent(browserEvent('cart', { url: 'https://sklep.example.pl/koszyk?note=zadzwo%C5%84', products: [{ id: 'a', quantity: 1 }] }), ctx);
    expect(cart.description).toBe('https://sklep.example.pl/koszyk');
    expect(shareableUrl('/koszyk?x=1#y')).toBe('/koszyk');
  });
});

describe('location', () => {
  it('accepts the plugin rule, mixed case, 3-36 characters (a migrated sm_ + md5 location is kept)', async () => {
    const { contactEventBody } = await import('../salesmanago/payloads.ts');
    const md5ish = 'sm_' + '0123456789abcdef0123456789ABCDEF'; // 35 characters, as the plugin's default
    for (const location of ['sm_Shop', 'My_Store_1', md5ish, '_ab', 'a'.repeat(36)]) {
      expect(readConfig({ ...env, SALESMANAGO_LOCATION: location }).location).toBe(location);
      expect(contactEventBody({ contactExtEventType: 'VISIT', date: 1_760_000_000_000, location }).body.location).toBe(location);
    }
    for (const location of ['ab', '1shop', 'sm-shop', 'a'.repeat(37)]) {
      expect(readConfig({ ...env, SALESMANAGO_LOCATION: location }).problems.map((p) => p.name)).toContain('SALESMANAGO_LOCATION');
    }
  });
});

describe('replies as SALESmanago may give them', () => {
  it('minimal replies ({"success": true} only): contacts and event batches are delivered once, never re-sent', async () => {
    const base = readConfig(env).salesmanago!;
    let calls = 0;
    const minimal = (async (input: RequestInfo | URL, init?: RequestInit) => {
      calls += 1;
      const res = await fetch(input, init);
      const body = await res.json<{ success: boolean }>();
      return new Response(JSON.stringify(body.success ? { success: true } : body), { status: res.status });
    }) as typeof fetch;
    const client = new SalesmanagoClient(base, minimal);
    const c = shopContact({ email: email('min'), newsletter: 'subscribe' });
    const purchase = { ...browserEvent('visit'), email: c.email, emailVerified: true };
    await recordAccepted([asContact(c), asEvent(purchase)]);
    const items: WorkItem[] = [
      { id: c.id, contact: c, attempt: 1 },
      { id: purchase.id, event: purchase, attempt: 1 },
    ];
    const out = await deliver(items, { db: env.LEDGER, client, config: configWith(DOI_OFF), requeue: async () => {} });
    expect(out.map((i) => i.outcome?.status)).toEqual(['delivered', 'delivered']);
    expect(calls).toBe(2);
    expect(await simEventsOf([c.email])).toHaveLength(1);
  });

  it('"Test connection" passes on success:true and names a redirect as an endpoint problem', async () => {
    const { testConnection } = await import('../setup/checks.ts');
    const config = readConfig(env);
    const ok = await testConnection(config, (async () => new Response('{"success":true}')) as typeof fetch);
    expect(ok).toMatchObject({ ok: true, ownerIsContact: false });
    const moved = await testConnection(
      config,
      (async () => new Response('', { status: 301, headers: { Location: 'https://app5.salesmanago.pl/api/contact/hasContact' } })) as typeof fetch,
    );
    expect(moved).toMatchObject({ ok: false, error: expect.stringMatching(/redirects to https:\/\/app5\.salesmanago\.pl.*SALESMANAGO_ENDPOINT/) });
  });
});

describe('a slow but successful SALESmanago', () => {
  it('a batch stored and answered after 15 s is waited for with the default 30 s timeout: no duplicate, one call', { timeout: 60_000 }, async () => {
    const unset: Env = { ...env };
    delete unset.SALESMANAGO_TIMEOUT_MS;
    const config = readConfig(unset);
    expect(config.salesmanago?.timeoutMs).toBe(30_000);
    // The 15 s and the client's timeout (AbortSignal.timeout) run on a fake clock: the test waits no 15 s,
    // and a timeout shorter than 15 s would still fire first.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const timeouts: number[] = [];
    vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms) => {
      timeouts.push(ms);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
      return controller.signal;
    });
    let batchCalls = 0;
    let answerHeld: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      answerHeld = resolve;
    });
    const slow = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetch(input, init);
      const text = await res.text();
      if (new URL(String(input)).pathname === PATHS.batchAddEvents) {
        batchCalls += 1;
        // Stored already; the answer comes 15 s later (unless our timeout fires first).
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, 15_000);
          init?.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(init.signal?.reason);
          });
          answerHeld();
        });
      }
      return new Response(text, { status: res.status });
    }) as typeof fetch;
    try {
      const client = new SalesmanagoClient({ ...config.salesmanago!, endpoint: env.SALESMANAGO_ENDPOINT! }, slow);
      const orders = Array.from({ length: 40 }, () => orderEvent('purchase'));
      await recordAccepted(orders.map(asEvent));
      const items: WorkItem[] = orders.map((event) => ({ id: event.id, event, attempt: 1 }));
      const delivering = deliver(items, { db: env.LEDGER, client, config: configWith(DOI_OFF), requeue: async () => {} });
      await Promise.race([held, delivering]);
      await vi.advanceTimersByTimeAsync(15_000);
      const out = await delivering;
      expect(timeouts).toContain(30_000);
      expect(out.every((i) => i.outcome?.status === 'delivered')).toBe(true);
      expect(batchCalls).toBe(1);
      const stored = await simEventsOf(orders.map((o) => o.email!));
      expect(stored).toHaveLength(40);
      expect(new Set(stored.map((e) => e.externalId)).size).toBe(40);
    } finally {
      vi.useRealTimers();
      vi.restoreAllMocks();
    }
  });
});
