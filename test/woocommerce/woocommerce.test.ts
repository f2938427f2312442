// A real WordPress 6.9.1 + WooCommerce 10.9.1 shop against the local stack (`npm run test:woocommerce`).
// The merchant's set-up is docs/platforms.md's WooCommerce steps, through the worker's setup page and
// WooCommerce's own admin form; the traffic is real: a registration on My Account (with a newsletter
// checkbox), a guest and a logged-in checkout through the Store API, a completion, a cancellation, a
// full and a partial refund. Asserted at the simulator (SALESmanago) and in WooCommerce's own records.
// Needs php 8.2 and MariaDB: skipped with a message locally without them, never under CI=true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { freePort } from '../stack/processes.ts';
import { saveOnSetupPage, startStack, type Stack } from '../stack/stack.ts';
import { ADMIN, Browser, inputValue, missingTools, startWooShop, type WooShop } from './shop.ts';

const missing = missingTools();
if (missing.length > 0 && process.env.CI === 'true') throw new Error(`the WooCommerce test cannot run under CI without: ${missing.join(', ')}`);
if (missing.length > 0)
  console.warn(
    `SKIPPED the real WooCommerce test: missing ${missing.join(', ')} (install php8.2-cli php8.2-mysql php8.2-xml php8.2-mbstring php8.2-curl php8.2-intl mariadb-server)`,
  );

const SECRET = 'woo-test-secret-Zq8r1';
const META_KEY = 'sm_newsletter';
const TOPICS = ['order.created', 'order.updated', 'order.deleted', 'customer.created', 'customer.updated'];
const registered = { email: 'anna.registered@example.com', password: 'Anna-pass-2026!x', first: 'Anna', last: 'Nowak' };
const guest = { email: 'jan.guest@example.com', first: 'Jan', last: 'Kowalski' };
const canceller = { email: 'ewa.cancels@example.com', first: 'Ewa', last: 'Wiśniewska' };

interface Webhook {
  id: number;
  topic: string;
  status: string;
  failures: number;
  url: string;
  apiVersion: string;
}

describe.skipIf(missing.length > 0)('a real WooCommerce shop', () => {
  let stack: Stack;
  let shop: WooShop;
  let products: number[];
  const started = Date.now();
  // Kept so that afterAll stops them even when beforeAll timed out while they were starting.
  let starting: Promise<[PromiseSettledResult<Stack>, PromiseSettledResult<WooShop>]> | undefined;

  beforeAll(async () => {
    const ports = { worker: await freePort(), shop: await freePort(), simulator: await freePort() };
    // The secret is not a wrangler var here: the merchant enters it on the setup page (step 1).
    starting = Promise.allSettled([startStack({ ports, vars: { WOOCOMMERCE_WEBHOOK_SECRET: '' } }), startWooShop({ workerPort: ports.worker })]);
    const [s, w] = await starting;
    if (s.status === 'fulfilled') stack = s.value;
    if (w.status === 'fulfilled') shop = w.value;
    if (s.status === 'rejected') throw s.reason;
    if (w.status === 'rejected') throw w.reason;
    const t = Date.now();
    ({ products } = await shop.cli<{ products: number[] }>('configure'));
    console.log(`started in ${((t - started) / 1000).toFixed(1)} s, shop configured in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }, 420_000);

  afterAll(async () => {
    const t = Date.now();
    const [s, w] = (await starting) ?? [];
    await Promise.all([s?.status === 'fulfilled' ? s.value.stop() : null, w?.status === 'fulfilled' ? w.value.stop() : null]);
    console.log(`stopped in ${((Date.now() - t) / 1000).toFixed(1)} s; real WooCommerce test: ${((Date.now() - started) / 1000).toFixed(1)} s wall time`);
  }, 240_000);

  it('the merchant connects the shop as docs/platforms.md says: secret and a read-only REST key on /setup, one webhook per topic in WooCommerce', async () => {
    // A read-only key, as WooCommerce → Settings → Advanced → REST API → Add key makes it: the
    // reconciliation pull and the refunds' own lines (docs/platforms.md "Read-only credentials").
    const key = await shop.cli<{ key: string; secret: string }>('api-key');
    await saveOnSetupPage(stack.workerUrl, {
      WOOCOMMERCE_WEBHOOK_SECRET: SECRET,
      WOOCOMMERCE_NEWSLETTER_META_KEY: META_KEY,
      WOOCOMMERCE_URL: shop.url,
      WOOCOMMERCE_CONSUMER_KEY: key.key,
      WOOCOMMERCE_CONSUMER_SECRET: key.secret,
    });
    const admin = new Browser(shop.url);
    await admin.login(ADMIN.user, ADMIN.password);
    const form = '/wp-admin/admin.php?page=wc-settings&tab=advanced&section=webhooks&edit-webhook=0';
    // The worker's URL as the shop reaches it (wrangler dev listens on 127.0.0.1).
    const deliveryUrl = `${stack.workerUrl.replace('localhost', '127.0.0.1')}/hooks/woocommerce`;
    for (const topic of TOPICS) {
      const page = await admin.page(form);
      const res = await admin.form(form, {
        _wpnonce: inputValue(page, '_wpnonce'),
        _wp_http_referer: form,
        webhook_id: '0',
        webhook_name: `SALESmanago ${topic}`,
        webhook_status: 'active',
        webhook_topic: topic,
        webhook_delivery_url: deliveryUrl,
        webhook_secret: SECRET,
        webhook_api_version: 'wp_api_v3',
        save: 'Save webhook',
      });
      // Saved and pinged: WooCommerce redirects with &updated=1, or &error=… when the ping failed.
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(/updated=1/);
    }
    const webhooks = await shop.cli<Webhook[]>('webhooks');
    expect(webhooks.map((w) => w.topic).sort()).toEqual([...TOPICS].sort());
    for (const w of webhooks) expect(w).toMatchObject({ status: 'active', failures: 0, url: deliveryUrl, apiVersion: 'wp_api_v3' });
    const setup = await fetch(`${stack.workerUrl}/setup?lang=en`, { headers: { Authorization: `Basic ${btoa(`x:${LOCAL_SECRETS.ADMIN_PASSWORD}`)}` } });
    expect(await setup.text()).toMatch(/ping \(200\)/);
  }, 180_000);

  let customer: Browser;
  const orders: Record<'guest' | 'loggedIn' | 'cancelled', number> = { guest: 0, loggedIn: 0, cancelled: 0 };

  it('a customer registers on My Account and ticks the newsletter box', async () => {
    customer = new Browser(shop.url);
    const page = await customer.page('/my-account/');
    const res = await customer.form('/my-account/', {
      email: registered.email,
      password: registered.password,
      [META_KEY]: 'yes',
      'woocommerce-register-nonce': inputValue(page, 'woocommerce-register-nonce'),
      _wp_http_referer: '/my-account/',
      register: 'Register',
    });
    expect(res.status).toBe(302); // registered and logged in
    await shop.cli('run-queue');
  }, 180_000);

  it('a guest and the registered customer check out through the Store API; one more guest order', async () => {
    orders.guest = await checkout(new Browser(shop.url), guest, [[products[0]!, 2]]);
    // Cookie authentication on the REST API needs WordPress's REST nonce, as the block checkout has it.
    const restNonce = await (await customer.fetch('/wp-admin/admin-ajax.php?action=rest-nonce')).text();
    orders.loggedIn = await checkout(
      customer,
      registered,
      [
        [products[0]!, 1],
        [products[1]!, 3],
      ],
      restNonce,
    );
    orders.cancelled = await checkout(new Browser(shop.url), canceller, [[products[1]!, 1]]);
    await shop.cli('run-queue');
  }, 180_000);

  let refunds: { partial: number; full: number };
  it('the merchant completes, refunds part of, refunds whole, and cancels orders', async () => {
    // Each command delivers its webhooks before it answers, as the next WP-Cron run would.
    await shop.cli('complete', { order: orders.guest });
    const partial = await shop.cli<{ refund: number; amount: number; status: string }>('refund', {
      order: orders.guest,
      full: false,
      reason: 'one mug broken',
    });
    expect(partial.status).toBe('completed');
    const full = await shop.cli<{ refund: number; amount: number; status: string }>('refund', { order: orders.loggedIn, full: true, reason: 'changed mind' });
    expect(full.status).toBe('refunded');
    await shop.cli('cancel', { order: orders.cancelled });
    refunds = { partial: partial.refund, full: full.refund };
  }, 180_000);

  it('SALESmanago gets exactly the events, contacts, tags and consent; WooCommerce counts no failed delivery', async () => {
    const expected = [
      `PURCHASE:${orders.guest}`,
      `RETURN:${orders.guest}:${refunds.partial}`,
      `PURCHASE:${orders.loggedIn}`,
      `RETURN:${orders.loggedIn}:${refunds.full}`,
      `PURCHASE:${orders.cancelled}`,
      `CANCELLATION:${orders.cancelled}`,
    ].sort();
    const deadline = Date.now() + 30_000;
    let state = stack.simulator.state();
    while (Object.keys(state.counts.eventsByExternalId).length < expected.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      state = stack.simulator.state();
    }
    await new Promise((r) => setTimeout(r, 1000)); // anything late (a duplicate) would show now
    state = stack.simulator.state();
    expect(Object.keys(state.counts.eventsByExternalId).sort()).toEqual(expected);
    expect(state.counts.duplicateExternalIds).toEqual([]);
    expect(state.events).toHaveLength(expected.length);

    const byEmail = Object.fromEntries(state.contacts.map((c) => [c.email, c]));
    expect(Object.keys(byEmail).sort()).toEqual([canceller.email, guest.email, registered.email].sort());
    // The newsletter box at registration subscribed (forceOptIn); buyers without a choice keep "unknown".
    expect(byEmail[registered.email]).toMatchObject({ optIn: 'opt-in' });
    expect(byEmail[registered.email]!.tags.sort()).toEqual(['NEWSLETTER', 'PURCHASE', 'REGISTRATION']);
    expect(byEmail[guest.email]).toMatchObject({ optIn: 'unknown', name: `${guest.first} ${guest.last}` });
    expect(byEmail[guest.email]!.tags).toEqual(['GUEST_PURCHASE']);
    expect(byEmail[canceller.email]).toMatchObject({ optIn: 'unknown' });
    expect(byEmail[canceller.email]!.tags).toEqual(['GUEST_PURCHASE']);

    const event = (type: string, order: number) => state.events.find((e) => e.contactExtEventType === type && e.externalId === String(order))!;
    expect(event('PURCHASE', orders.guest)).toMatchObject({ email: guest.email, value: 2 * 49.9 + 10 });
    expect(event('PURCHASE', orders.loggedIn)).toMatchObject({ email: registered.email, value: 49.9 + 3 * 25 + 10 });
    // With the REST key the partial refund's RETURN names only the refunded line (one of the two mugs);
    // the full refund's both lines (the order's webhook lists every line either way).
    expect(event('RETURN', orders.guest)).toMatchObject({ email: guest.email, value: 49.9, products: String(products[0]) });
    expect(event('RETURN', orders.guest).details?.detail3).toBe('1');
    expect(event('PURCHASE', orders.guest).details?.detail3).toBe('2');
    expect(event('RETURN', orders.loggedIn)).toMatchObject({ email: registered.email, value: 49.9 + 3 * 25 + 10, products: `${products[0]},${products[1]}` });
    expect(event('RETURN', orders.loggedIn).details?.detail3).toBe('1/3');
    expect(event('CANCELLATION', orders.cancelled)).toMatchObject({ email: canceller.email });

    // Completion and refunds re-send the paid order unchanged: no order is reported as changed.
    const setup = await (
      await fetch(`${stack.workerUrl}/setup?lang=en`, { headers: { Authorization: `Basic ${btoa(`x:${LOCAL_SECRETS.ADMIN_PASSWORD}`)}` } })
    ).text();
    expect(setup).not.toContain('Orders re-posted with other content');
    expect(setup).toContain('nothing kept');
    expect(setup).toMatch(/matched: the last signed delivery/);

    const webhooks = await shop.cli<Webhook[]>('webhooks');
    expect(webhooks).toHaveLength(TOPICS.length);
    for (const w of webhooks) expect(w, w.topic).toMatchObject({ status: 'active', failures: 0 });
  }, 180_000);

  it('orders whose webhooks were lost (the worker unreachable) are pulled once by reconciliation; a second pull adds nothing', async () => {
    const admin = { Authorization: `Basic ${btoa(`x:${LOCAL_SECRETS.ADMIN_PASSWORD}`)}` };
    const reconcile = async () => {
      const res = await fetch(`${stack.workerUrl}/admin/reconcile?platform=woocommerce`, { method: 'POST', headers: admin });
      expect(res.status).toBe(200);
      return (await res.json()) as { status: string; found: number; missing: number; contacts: number; error?: string };
    };
    // A first pull catches up with everything so far: all of it was delivered, nothing is missing.
    const t0 = Date.now();
    const catchUp = await reconcile();
    expect(catchUp, catchUp.error).toMatchObject({ status: 'done', missing: 0 });
    expect(catchUp.found).toBeGreaterThanOrEqual(3);
    const eventsBefore = stack.simulator.state().events.length;

    // The worker unreachable: every webhook points at a closed port, so both orders' deliveries fail
    // and WooCommerce never sends them again.
    const deadUrl = `http://127.0.0.1:${await freePort()}/hooks/woocommerce`;
    const deliveryUrl = `${stack.workerUrl.replace('localhost', '127.0.0.1')}/hooks/woocommerce`;
    await shop.cli('webhooks-url', { url: deadUrl });
    const lost = [
      await checkout(new Browser(shop.url), { email: 'lost.one@example.com', first: 'Ola', last: 'Zgubiona' }, [[products[0]!, 1]]),
      await checkout(new Browser(shop.url), { email: 'lost.two@example.com', first: 'Piotr', last: 'Zagubiony' }, [[products[1]!, 2]]),
    ];
    await shop.cli('run-queue');
    const failed = await shop.cli<Webhook[]>('webhooks');
    expect(failed.reduce((n, w) => n + w.failures, 0)).toBeGreaterThan(0);
    await shop.cli('webhooks-url', { url: deliveryUrl });
    await new Promise((r) => setTimeout(r, 1000));
    expect(stack.simulator.state().events).toHaveLength(eventsBefore);

    // The worker back: the pull finds both orders and delivers each PURCHASE exactly once.
    const pulled = await reconcile();
    expect(pulled, pulled.error).toMatchObject({ status: 'done', missing: 2 });
    const deadline = Date.now() + 30_000;
    const purchased = () => lost.filter((id) => stack.simulator.state().counts.eventsByExternalId[`PURCHASE:${id}`] === 1);
    while (purchased().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(purchased()).toEqual(lost);

    const again = await reconcile();
    expect(again).toMatchObject({ status: 'done', missing: 0, contacts: 0 });
    await new Promise((r) => setTimeout(r, 1000));
    const state = stack.simulator.state();
    expect(state.events).toHaveLength(eventsBefore + 2);
    expect(state.counts.duplicateExternalIds).toEqual([]);
    console.log(
      `reconciliation: catch-up found ${catchUp.found} (missing ${catchUp.missing}), after the outage found ${pulled.found}, missing ${pulled.missing}, again missing ${again.missing}; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    // The setup page shows the pull; the key never appears.
    const setup = await (await fetch(`${stack.workerUrl}/setup?lang=en`, { headers: admin })).text();
    expect(setup).toMatch(/last pull [\d-]+ [\d:]+ UTC: \d+ found, 0 missing/);
  }, 180_000);
});

type Person = { email: string; first: string; last: string };

/** The block checkout's requests: cart (for its Nonce), add each item, check out with cash on delivery. */
async function checkout(browser: Browser, who: Person, items: [number, number][], restNonce?: string): Promise<number> {
  const auth: Record<string, string> = restNonce ? { 'X-WP-Nonce': restNonce } : {};
  const cart = await browser.fetch('/wp-json/wc/store/v1/cart', { headers: auth });
  expect(cart.status).toBe(200);
  const nonce = cart.headers.get('Nonce')!;
  const headers = { ...auth, Nonce: nonce, 'Content-Type': 'application/json' };
  for (const [id, quantity] of items) {
    const add = await browser.fetch('/wp-json/wc/store/v1/cart/add-item', { method: 'POST', headers, body: JSON.stringify({ id, quantity }) });
    expect(add.status, await add.clone().text()).toBe(201);
  }
  const address = { first_name: who.first, last_name: who.last, address_1: 'ul. Prosta 1', city: 'Warszawa', postcode: '00-001', country: 'PL' };
  const res = await browser.fetch('/wp-json/wc/store/v1/checkout', {
    method: 'POST',
    headers,
    body: JSON.stringify({ billing_address: { ...address, email: who.email, phone: '+48500100200' }, shipping_address: address, payment_method: 'cod' }),
  });
  const body = (await res.json()) as { order_id: number; status: string; customer_id: number };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.status).toBe('processing');
  expect(body.customer_id > 0).toBe(restNonce !== undefined);
  return body.order_id;
}
