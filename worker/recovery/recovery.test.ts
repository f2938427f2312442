// Cart-recovery links: the signed token, the shop's cart-rebuild URL templates, GET /r/<token> (good and
// bad links, first-party mode) and the link in a delivered CART event's description.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { readConfig } from '../config.ts';
import { app } from '../index.ts';
import { hmacHex } from '../identity/hmac.ts';
import { mintRecoveryToken, verifyRecoveryToken } from '../identity/recovery-token.ts';
import { cartRebuildUrl, cartTemplateProblem } from '../shop/cart-url.ts';
import { recoveryLink } from './link.ts';
import { pageLanguage } from './open.ts';
import { asEvent, browserEvent, consume, email, env, recordAccepted, simContact, simEventsOf } from '../test/delivery-fixtures.ts';

const SECRET = env.SHOP_API_SECRET!;
const WORKER = 'https://sm-edge.example.workers.dev';
const SHOPIFY = 'https://shop.example/cart/{items}';
const CONTACT = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const bindings = { ...env, CART_RECOVERY_URL: SHOPIFY, WORKER_URL: WORKER } as Env;
const nowS = () => Math.floor(Date.now() / 1000);
const cart = (exp = nowS() + 3600, contactId = CONTACT) => ({
  contactId,
  exp,
  lines: [
    { id: '123', quantity: 2 },
    { id: '456', quantity: 1 },
  ],
});

async function open(url: string, headers: Record<string, string> = {}, b: Env = bindings) {
  const ctx = createExecutionContext();
  const res = await app.request(url, { headers, redirect: 'manual' }, b, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('recovery token', () => {
  it('carries the lines and the contact id, and is checked against the derived key', async () => {
    const exp = nowS() + 3600;
    const token = await mintRecoveryToken(SECRET, cart(exp));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(await verifyRecoveryToken(SECRET, token, nowS())).toEqual({ ok: true, cart: cart(exp) });
    expect(await verifyRecoveryToken('another-shop-api-secret', token, nowS())).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses an altered body, an altered signature, an expired token and one signed with the raw secret', async () => {
    const token = await mintRecoveryToken(SECRET, cart());
    const [body = '', sig = ''] = token.split('.');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect((await verifyRecoveryToken(SECRET, `${flip(body, 3)}.${sig}`, nowS())).ok).toBe(false);
    expect((await verifyRecoveryToken(SECRET, `${body}.${flip(sig, 0)}`, nowS())).ok).toBe(false);
    const expired = await mintRecoveryToken(SECRET, cart(nowS() - 1));
    expect(await verifyRecoveryToken(SECRET, expired, nowS())).toEqual({ ok: false, reason: 'expired' });
    // The raw secret is never the key: a token "signed" with it is a forgery.
    const raw = (await hmacHex(SECRET, `cart.${body}`)).slice(0, 32);
    const rawB64 = btoa(String.fromCharCode(...raw.match(/../g)!.map((h) => parseInt(h, 16))))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(await verifyRecoveryToken(SECRET, `${body}.${rawB64}`, nowS())).toEqual({ ok: false, reason: 'forged' });
    expect(await verifyRecoveryToken(SECRET, 'not-a-token', nowS())).toEqual({ ok: false, reason: 'malformed' });
  });

  it('is short enough for an e-mail link: 3 and 10 lines', async () => {
    const config = readConfig(bindings);
    const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(10_400 + i * 37), quantity: 1 + (i % 3) }));
    const three = (await recoveryLink(config, lines(3), CONTACT, Date.now()))!;
    const ten = (await recoveryLink(config, lines(10), CONTACT, Date.now()))!;
    console.log(`recovery link length: 3 lines ${three.length}, 10 lines ${ten.length} characters (WORKER_URL ${WORKER.length})`);
    expect(three.startsWith(`${WORKER}/r/`)).toBe(true);
    expect(three.length).toBeLessThan(200);
    expect(ten.length).toBeLessThan(300);
  });
});

describe('CART_RECOVERY_URL templates', () => {
  const lines = [
    { id: '123', quantity: 2 },
    { id: '456', quantity: 1 },
  ];
  it('Shopify cart permalink: {items} is <id>:<quantity> joined by ","', () => {
    expect(cartRebuildUrl(SHOPIFY, lines)).toBe('https://shop.example/cart/123:2,456:1');
  });
  it('WooCommerce with the snippet of test/shop-examples/woocommerce-cart-recovery.php: one parameter', () => {
    expect(cartRebuildUrl('https://shop.example/?sm-edge-cart={items}', lines)).toBe('https://shop.example/?sm-edge-cart=123:2,456:1');
  });
  it('generic per-line form: each {id}/{quantity} parameter repeated per line, others kept once', () => {
    expect(cartRebuildUrl('https://shop.example/cart?src=mail&add={id}&qty={quantity}#top', lines)).toBe(
      'https://shop.example/cart?src=mail&add=123&qty=2&add=456&qty=1#top',
    );
  });
  it('percent-encodes ids, so one holding ":" "," or "&" cannot break the URL', () => {
    expect(cartRebuildUrl(SHOPIFY, [{ id: 'a:b,c&d', quantity: 1 }])).toBe('https://shop.example/cart/a%3Ab%2Cc%26d:1');
  });
  it('names what is wrong with a template', () => {
    expect(cartTemplateProblem('')).toBeNull();
    expect(cartTemplateProblem(SHOPIFY)).toBeNull();
    expect(cartTemplateProblem('http://shop.example/cart/{items}')).toMatch(/https/);
    expect(cartTemplateProblem('https://shop.example/cart')).toMatch(/\{items\}/);
    expect(cartTemplateProblem('https://shop.example/add/{id}')).toMatch(/query/);
    expect(readConfig({ ...env, CART_RECOVERY_URL: 'shop/cart', CART_RECOVERY_DAYS: '400' } as Env).problems.map((p) => p.name)).toEqual(
      expect.arrayContaining(['CART_RECOVERY_URL', 'CART_RECOVERY_DAYS']),
    );
  });
});

describe('GET /r/<token>', () => {
  it('a good link answers 302 to the rebuilt cart and sets smclient for the contact', async () => {
    const token = await mintRecoveryToken(SECRET, cart());
    const res = await open(`${WORKER}/r/${token}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toBe('https://shop.example/cart/123:2,456:1');
    expect(res.headers.get('Set-Cookie')).toBe(`smclient=${CONTACT}; Path=/; Max-Age=315360000; SameSite=Lax; Secure`);
    expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
  });

  it('a link without a known contact sets no cookie', async () => {
    const res = await open(`${WORKER}/r/${await mintRecoveryToken(SECRET, cart(undefined, ''))}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('Set-Cookie')).toBeNull();
  });

  it('forged, altered and expired links get the same plain page (200), in Polish or English, no cookie', async () => {
    const good = await mintRecoveryToken(SECRET, cart());
    const [body = '', sig = ''] = good.split('.');
    const bad = [
      await mintRecoveryToken('another-shop-api-secret', cart()),
      `${body.slice(0, -2)}${body.endsWith('AA') ? 'BB' : 'AA'}.${sig}`,
      await mintRecoveryToken(SECRET, cart(nowS() - 60)),
      'garbage',
    ];
    const pages = new Set<string>();
    for (const token of bad) {
      const res = await open(`${WORKER}/r/${token}`, { 'Accept-Language': 'pl-PL,pl;q=0.9,en;q=0.8' });
      expect(res.status).toBe(200);
      expect(res.headers.get('Set-Cookie')).toBeNull();
      expect(res.headers.get('Content-Type')).toMatch(/text\/html/);
      pages.add(await res.text());
    }
    expect(pages.size).toBe(1);
    const [page = ''] = pages;
    expect(page).toContain('lang="pl"');
    expect(page).toContain('<a href="https://shop.example/">Przejdź do sklepu</a>');
    expect(page).not.toMatch(/expired|forged|signature|podpis|wygas/i);
    const en = await (await open(`${WORKER}/r/garbage`, { 'Accept-Language': 'en-GB' })).text();
    expect(en).toContain('Go to the shop');
  });

  it("speaks the browser's language, else the shop's (.pl: Polish)", () => {
    expect(pageLanguage('de-DE,en;q=0.5', 'https://sklep.example.pl/')).toBe('en');
    expect(pageLanguage('de-DE', 'https://sklep.example.pl/')).toBe('pl');
    expect(pageLanguage(undefined, 'https://shop.example.com/')).toBe('en');
  });

  it('names WORKER_URL on /health when links have no address (neither it nor PUBLIC_PATH_PREFIX)', () => {
    const problems = (b: Partial<Env>) => readConfig({ ...env, ...b } as Env).problems.filter((p) => p.name === 'WORKER_URL');
    expect(problems({ CART_RECOVERY_URL: SHOPIFY, WORKER_URL: '' })).toEqual([{ name: 'WORKER_URL', problem: expect.stringMatching(/cart-recovery/) }]);
    expect(problems({ CART_RECOVERY_URL: SHOPIFY, WORKER_URL: '', PUBLIC_PATH_PREFIX: '/_e' })).toEqual([]);
    expect(problems({ CART_RECOVERY_URL: '', WORKER_URL: '' })).toEqual([]);
  });

  it("is served under PUBLIC_PATH_PREFIX on the shop's origin (the cookie is then the shop's)", async () => {
    const token = await mintRecoveryToken(SECRET, cart());
    const res = await open(`https://shop.example/_e/r/${token}`, {}, { ...bindings, PUBLIC_PATH_PREFIX: '/_e' } as Env);
    expect(res.status).toBe(302);
    expect(res.headers.get('Set-Cookie')).toContain(`smclient=${CONTACT}`);
    const config = readConfig({ ...bindings, PUBLIC_PATH_PREFIX: '/_e' } as Env);
    expect(await recoveryLink(config, [{ id: '1', quantity: 1 }], CONTACT, Date.now())).toMatch(/^https:\/\/shop\.example\/_e\/r\//);
  });
});

describe('a delivered CART event', () => {
  it('carries the recovery link in its description, which rebuilds that cart for that contact', async () => {
    const who = email('recover');
    const event = browserEvent('cart', {
      email: who,
      emailVerified: true,
      products: [
        { id: 'p-1', quantity: 2, price: 10 },
        { id: 'p-2', quantity: 1, price: 5 },
      ],
    });
    await recordAccepted([asEvent(event)]);
    await consume([asEvent(event)], { env: bindings, attempts: 2 });
    const [sent] = (await simEventsOf([who])).filter((e) => e.contactExtEventType === 'CART');
    expect(sent?.description).toMatch(new RegExp(`^${WORKER}/r/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}$`));
    const res = await open(sent!.description!);
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toBe('https://shop.example/cart/p-1:2,p-2:1');
    const contact = await simContact(who);
    expect(res.headers.get('Set-Cookie')).toContain(`smclient=${contact!.contactId}`);
  });

  it('keeps the cart page as its description while CART_RECOVERY_URL is unset', async () => {
    const who = email('norecover');
    const event = browserEvent('cart', { email: who, emailVerified: true, products: [{ id: 'p-1', quantity: 1 }] });
    await recordAccepted([asEvent(event)]);
    await consume([asEvent(event)], { env: { ...env, WORKER_URL: WORKER } as Env, attempts: 2 });
    const [sent] = (await simEventsOf([who])).filter((e) => e.contactExtEventType === 'CART');
    expect(sent?.description).toBe('http://localhost/sklep/produkt');
  });
});
