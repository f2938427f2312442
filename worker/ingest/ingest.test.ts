// Plain-function tests of the collector's pieces (no HTTP).
import { describe, expect, it } from 'vitest';
import { mintLoginToken, verifyLoginToken } from '../identity/login-token.ts';
import { sign } from '../identity/signature.ts';
import { acceptBeacon, eventTime, onCartPath } from './beacon.ts';
import { checkBeacon, tidyUrl } from './beacon-schema.ts';
import { isBotUserAgent } from './bots.ts';
import { itemId, itemsOf, type AcceptedEvent, type ItemMessage } from '../queue/messages.ts';
import { chunk, messageBytes, packMessages, utf8Bytes } from '../queue/send.ts';
import { isShopOrigin, requestOrigin, shopDomains } from '../shop/origin.ts';
import { shopEventId } from './shop.ts';

describe('origin rule', () => {
  const domains = shopDomains(' Sklep.Example.pl, localhost ,');
  it.each([
    ['https://sklep.example.pl', true],
    ['https://www.sklep.example.pl:8443', true],
    ['http://localhost:8787', true],
    ['https://example.pl', false],
    ['https://evilsklep.example.pl', false],
    ['https://sklep.example.pl.evil.com', false],
  ])('%s → %s', (origin, ok) => {
    expect(isShopOrigin(requestOrigin(origin, undefined), domains)).toBe(ok);
  });
  it('falls back to the Referer, and refuses opaque or non-http origins', () => {
    expect(requestOrigin(undefined, 'https://sklep.example.pl/koszyk?x')).toBe('https://sklep.example.pl');
    expect(requestOrigin('null', 'https://sklep.example.pl/')).toBe('https://sklep.example.pl');
    expect(requestOrigin('file:///etc/passwd', undefined)).toBeNull();
    expect(requestOrigin('not a url', undefined)).toBeNull();
    expect(isShopOrigin(null, domains)).toBe(false);
  });
});

describe('bot user agents', () => {
  it.each([
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'facebookexternalhit/1.1',
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    'curl/8.5.0',
    'python-requests/2.32',
    'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0 Mobile Safari/537.36 Chrome-Lighthouse',
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  ])('drops %s', (ua) => expect(isBotUserAgent(ua)).toBe(true));
  it.each([
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/141.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
    '',
  ])('keeps %s', (ua) => expect(isBotUserAgent(ua)).toBe(false));
});

describe('login tokens', () => {
  const secret = 'a-shop-api-secret-of-some-length';
  it('round-trips: minted tokens verify until they expire', async () => {
    const token = await mintLoginToken(secret, 'Zażółć@Example.com', 2_000_000_000);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.2000000000\.[0-9a-f]{64}$/);
    // As minted: the beacon applies the one e-mail rule, then lower-cases (ingest/beacon.ts).
    expect(await verifyLoginToken(secret, token, 2_000_000_000)).toEqual({ ok: true, email: 'Zażółć@Example.com', exp: 2_000_000_000 });
    expect(await verifyLoginToken(secret, token, 2_000_000_001)).toEqual({ ok: false, reason: 'expired' });
  });
  it('matches the documented construction byte for byte', async () => {
    // b64 of "ewa@example.com" without padding, exp 1700000000.
    const token = await mintLoginToken(secret, 'ewa@example.com', 1_700_000_000);
    const [b64, exp] = token.split('.');
    expect(b64).toBe('ZXdhQGV4YW1wbGUuY29t');
    expect(exp).toBe('1700000000');
  });
  it('produces the known vectors the README examples are tested against (test/shop-examples/shop-examples.test.ts)', async () => {
    const secret = 'local-only-shop-api-secret';
    expect(await sign(secret, 1_800_000_000, 'POST', '/api/v1/contacts?x=1', JSON.stringify({ email: 'zażółć@example.com', note: 'a.b' }))).toBe(
      't=1800000000,v1=35936bf693455189efb2e9d983dcfa262d1662271b00a1675373119d3469721b',
    );
    const token = 'WmHFvMOzxYLEh0BFeGFtcGxlLmNvbQ.1800000600.8ee5d10a8bafdbd4849a253445219f6539481e4644f51f058a9a405c08f5834b';
    expect(await mintLoginToken(secret, 'Zażółć@Example.com', 1_800_000_600)).toBe(token);
    expect(await verifyLoginToken(secret, token, 1_800_000_000)).toMatchObject({ ok: true, email: 'Zażółć@Example.com' });
  });
  it('refuses forged, tampered and malformed tokens', async () => {
    const token = await mintLoginToken(secret, 'ewa@example.com', 2_000_000_000);
    const [b64, exp, sig] = token.split('.') as [string, string, string];
    expect(await verifyLoginToken('other-secret-xxxxxxxx', token, 1)).toMatchObject({ reason: 'forged' });
    expect(await verifyLoginToken(secret, `${b64}.${Number(exp) + 1}.${sig}`, 1)).toMatchObject({ reason: 'forged' });
    expect(await verifyLoginToken(secret, `${b64}.${exp}.${sig.toUpperCase()}`, 1)).toMatchObject({ reason: 'malformed' });
    expect(await verifyLoginToken(secret, `${b64}=.${exp}.${sig}`, 1)).toMatchObject({ reason: 'malformed' });
    expect(await verifyLoginToken(secret, undefined, 1)).toMatchObject({ reason: 'missing' });
    expect(await verifyLoginToken(secret, 42, 1)).toMatchObject({ reason: 'missing' });
    const notEmail = await mintLoginToken(secret, 'no e-mail here', 2_000_000_000);
    expect(await verifyLoginToken(secret, notEmail, 1)).toMatchObject({ reason: 'malformed' });
  });
});

describe('browser URLs', () => {
  it('tidies the separators the tracker leaves where it removed a parameter, and nothing else', () => {
    expect(tidyUrl('https://s.pl/p?id=7&')).toBe('https://s.pl/p?id=7');
    expect(tidyUrl('https://s.pl/p?#top')).toBe('https://s.pl/p#top');
    expect(tidyUrl('https://s.pl/p?order=7&#')).toBe('https://s.pl/p?order=7');
    expect(tidyUrl('https://s.pl/#/thanks?')).toBe('https://s.pl/#/thanks');
    for (const u of ['https://s.pl/p?a=1&b=2#x', 'https://s.pl/#/cart', 'https://s.pl/', '']) expect(tidyUrl(u)).toBe(u);
  });
  it('matches the cart path against the URL path, as location.pathname would', () => {
    expect(onCartPath('https://s.pl/koszyk', '/koszyk')).toBe(true);
    expect(onCartPath('https://s.pl/koszyk/krok?x=1#y', '/koszyk')).toBe(true);
    expect(onCartPath('https://s.pl/produkt?next=/koszyk', '/koszyk')).toBe(false);
    expect(onCartPath('https://s.pl/#/koszyk', '/koszyk')).toBe(false);
    expect(onCartPath('not a url', '/')).toBe(false);
    expect(onCartPath(undefined, '/koszyk')).toBe(false);
    expect(onCartPath('https://s.pl/koszyk', undefined)).toBe(false);
  });
});

describe('ids and clocks', () => {
  it('gives order events deterministic ids; returnId counts for returns only', () => {
    expect(shopEventId('purchase', 'A-1')).toBe('s:purchase:A-1');
    expect(shopEventId('purchase', 'A-1', 'R')).toBe('s:purchase:A-1');
    expect(shopEventId('return', 'A:1', 'R')).toBe('s:return:A%3A1:R');
    expect(shopEventId('return', 'A%3A1', 'R')).toBe('s:return:A%253A1:R');
    expect(shopEventId('return', 'A', '1:R')).not.toBe(shopEventId('return', 'A:1', 'R'));
  });
  it('believes a client clock within a week before and ten minutes after the receive time', () => {
    const now = 1_800_000_000_000;
    expect(eventTime(now - 1000, now)).toBe(now - 1000);
    expect(eventTime(now + 60_000, now)).toBe(now + 60_000);
    expect(eventTime(now + 3_600_000, now)).toBe(now);
    expect(eventTime(0, now)).toBe(now);
  });
  it('chunks by count and by bytes', () => {
    const sizes = [50, 50, 50, 200, 10];
    expect(chunk(sizes, (s) => s, 2, 1000)).toEqual([[50, 50], [50, 200], [10]]);
    expect(chunk(sizes, (s) => s, 100, 120)).toEqual([[50, 50], [50], [200], [10]]);
    expect(chunk([], (s: number) => s, 2, 10)).toEqual([]);
  });
});

describe('packing items into queue messages', () => {
  const event = (n: number, bytes = 0): ItemMessage => {
    const e: AcceptedEvent = { id: `b:v:${n}`, type: 'visit', source: 'browser', occurredAt: n, receivedAt: n, title: 'ż'.repeat(bytes / 2) };
    return { kind: 'event', event: e };
  };
  it('packs up to 50 events a message, events apart from contacts, in order, each item once', () => {
    const contact = (n: number): ItemMessage => ({ kind: 'contact', contact: { id: `c:${n}`, receivedAt: n, email: `c${n}@example.com` } });
    const webhook: ItemMessage = {
      kind: 'consent-webhook',
      change: { id: 'w:1', email: 'a@example.com', status: 'opt-in', changedAt: 1, source: 'salesmanago' },
    };
    const items = [...Array.from({ length: 120 }, (_, i) => (i % 10 === 0 ? contact(i) : event(i))), webhook];
    const packed = packMessages(items);
    expect(packed.map((p) => [p.message.kind, itemsOf(p.message).length])).toEqual([
      ['consent-webhook', 1],
      ['events', 50],
      ['events', 50],
      ['events', 8],
      ['contacts', 12],
    ]);
    for (const p of packed) expect(itemsOf(p.message).map(itemId)).toEqual(p.ids);
    expect(packed.flatMap((p) => p.ids).sort()).toEqual(items.map(itemId).sort());
    expect(packed.find((p) => p.message.kind === 'events')!.ids.slice(0, 3)).toEqual(['b:v:1', 'b:v:2', 'b:v:3']);
    expect(packMessages([])).toEqual([]);
  });
  it('keeps every message within the byte bound, counting the envelope and separators exactly', () => {
    const items = Array.from({ length: 50 }, (_, i) => event(i, 997 + (i % 7) * 311));
    for (const maxBytes of [5_000, 10_000, 20_000, 60_000]) {
      const packed = packMessages(items, { maxBytes });
      expect(packed.length).toBeGreaterThan(1);
      for (const p of packed) expect(messageBytes(p.message)).toBeLessThanOrEqual(maxBytes);
      // Tight: adding the next message's first item would have broken the bound.
      for (let i = 0; i + 1 < packed.length; i++) {
        const a = packed[i]!.message,
          b = packed[i + 1]!.message;
        if (a.kind === 'events' && b.kind === 'events') {
          expect(messageBytes({ kind: 'events', events: [...a.events, b.events[0]!] })).toBeGreaterThan(maxBytes - 1);
        }
      }
    }
    // An item bigger than the bound still travels, alone.
    expect(packMessages([event(1, 8_000), event(2)], { maxBytes: 2_000 }).map((p) => p.ids)).toEqual([['b:v:1'], ['b:v:2']]);
    expect(packMessages(items, { maxItems: 7 }).map((p) => p.ids.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
  });
  it("counts UTF-8 bytes as TextEncoder writes them, and carries each message's size as an upper bound", () => {
    const encoder = new TextEncoder();
    for (const text of ['', 'ascii', 'żółć', '€', '😀', 'a\ud83db', '\udc00', '\ud83d', 'x😀ż€\u007f\u0080\u07ff\u0800\uffff']) {
      expect(utf8Bytes(text), JSON.stringify(text)).toBe(encoder.encode(text).byteLength);
    }
    const items = Array.from({ length: 120 }, (_, i) => event(i, 100 + i * 13));
    for (const p of packMessages(items)) {
      expect(p.bytes).toBeGreaterThanOrEqual(messageBytes(p.message));
      expect(p.bytes! - messageBytes(p.message)).toBeLessThanOrEqual(1);
    }
  });
});

describe('product views in the beacon', () => {
  const visitor = 'visitor-0123456789abcdef';
  const page = (k: string, i: string, extra: Record<string, unknown> = {}) => ({ k, i, t: 1_780_000_000_000, u: 'https://sklep.example.pl/p/kubek', ...extra });
  const accept = async (events: unknown[], cartPath?: string) => {
    const check = checkBeacon({ v: 2, u: visitor, p: cartPath, e: events });
    if (!check.ok) throw new Error(check.error);
    return { check, accepted: await acceptBeacon(check.beacon, { receivedAt: 1_780_000_000_500, shopApiSecret: undefined }) };
  };

  it("a Visit carries the products of the page's JSON-LD; one it cannot use is left out, the Visit still counts", async () => {
    const { check, accepted } = await accept([
      page('visit', 'aaaaaaaa', {
        products: [{ id: 'KUB-1', name: 'Kubek', price: '39.90' }, { name: 'no id' }, { id: 77, price: '39,90' }, null, { id: '', name: 'empty' }],
      }),
    ]);
    expect(check.ok && check.rejected).toEqual([]);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({
      type: 'visit',
      products: [
        { id: 'KUB-1', name: 'Kubek', price: 39.9, quantity: 1 },
        { id: '77', quantity: 1 },
      ],
    });
    expect(accepted[0]!.products![1]).not.toHaveProperty('price');
    // Products that are not a list at all: a plain Visit.
    const plain = await accept([page('visit', 'bbbbbbbb', { products: 'KUB-1' })]);
    expect(plain.accepted[0]).toMatchObject({ type: 'visit' });
    expect(plain.accepted[0]).not.toHaveProperty('products');
  });

  it('smEdge("view") in the same beacon as its page\'s Visit: one Visit, with the view\'s products', async () => {
    const { accepted } = await accept([
      page('visit', 'aaaaaaaa', { products: [{ id: 'from-json-ld' }] }),
      page('view', 'bbbbbbbb', { products: [{ id: 'KUB-1', name: 'Kubek', price: 39.9 }] }),
    ]);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ id: `b:${visitor}:aaaaaaaa`, type: 'visit', products: [{ id: 'KUB-1', name: 'Kubek', price: 39.9 }] });
  });

  it("a view without its page's Visit in the beacon is a Visit of its own; a Visit of another page is left alone", async () => {
    const { accepted } = await accept([
      page('visit', 'aaaaaaaa', { u: 'https://sklep.example.pl/' }),
      page('view', 'bbbbbbbb', { products: [{ id: 'KUB-1' }] }),
    ]);
    expect(accepted.map((e) => [e.id, e.type, e.products?.map((p) => p.id)])).toEqual([
      [`b:${visitor}:aaaaaaaa`, 'visit', undefined],
      [`b:${visitor}:bbbbbbbb`, 'visit', ['KUB-1']],
    ]);
  });

  it('on the cart page the Visit keeps its viewed products, and the Cart it makes carries none (its contents come from smEdge("cart"))', async () => {
    const { accepted } = await accept([page('visit', 'aaaaaaaa', { u: 'https://sklep.example.pl/koszyk', products: [{ id: 'REC-1' }] })], '/koszyk');
    expect(accepted.map((e) => [e.type, e.products?.map((p) => p.id)])).toEqual([
      ['visit', ['REC-1']],
      ['cart', undefined],
    ]);
  });

  it("a view is the theme's own call: a bad product refuses it, naming the field", () => {
    const check = checkBeacon({
      v: 2,
      u: visitor,
      e: [page('visit', 'aaaaaaaa'), page('view', 'bbbbbbbb', { products: [{ name: 'Kubek' }] }), page('view', 'cccccccc', { products: [] })],
    });
    expect(check.ok && check.rejected).toEqual([
      { index: 1, error: expect.stringMatching(/^e\[1\]\.products\[0\]\.id: /) },
      { index: 2, error: 'e[2].products: must contain at least one product' },
    ]);
  });
});
