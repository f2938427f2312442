// The attack suite (issue 10): replays the classes of the attack run against a local worker (a
// startStack() stack: wrangler dev, the simulator as SALESmanago), bounded and local-only, and
// reports what the table of docs/security.md shows. `scale` 1 is the full run (about 10,000 requests, `npm run
// attack`); `npm test` runs a small fraction of it (test/attack/attack.test.ts).
import { createHmac } from 'node:crypto';
import { signature } from '../shop-examples/sm-edge.mjs';
import { LOCAL_SECRETS, LOCAL_SHOPIFY_DOMAIN } from '../stack/local-values.ts';
import { createHash } from 'node:crypto';
import type { Stack } from '../stack/stack.ts';

export interface AttackReport {
  /** Requests sent, by endpoint (method and path without query). */
  requests: Record<string, number>;
  total: number;
  serverErrors: number;
  /** Sample of 5xx answers, for the report. */
  serverErrorSamples: string[];
  /**
   * Contacts whose consent changed (SALESmanago or the consent store) because of unauthenticated input,
   * a replayed signed webhook among them.
   */
  consentChanges: number;
  /** Signed contacts whose name, phone or company a stranger's beacon changed at SALESmanago. */
  profileChanges: number;
  /** Legitimate (signed, valid) purchases not answered 2xx or not delivered to SALESmanago. */
  legitimateFailed: number;
  legitimate: number;
  /** Answers that should have been refused but were not (e.g. a forged signature answered 2xx). */
  unexpected: string[];
  /** The worker isolate's JS heap after GC, after each round, MB (null: not measurable). */
  heapMb: (number | null)[];
  /** Statuses seen per attack class. */
  classes: Record<string, Record<number, number>>;
  seconds: number;
}

const SHOP = 'http://localhost:8788';

/**
 * Worker vars of the attack stack: a SHOP_DOMAINS that a careless merchant could enter, holding public
 * suffixes besides the shop's own domains. The worker must ignore those entries (issue 20 item 4), so
 * the "public-suffix domain" class below expects beacons from sites under them to be refused.
 */
export const ATTACK_VARS = {
  SHOP_DOMAINS: 'localhost,127.0.0.1,com,co.uk,github.io',
  // A WooCommerce newsletter meta key, so that a replayed webhook has a choice to replay (issue 20 item 2).
  WOOCOMMERCE_NEWSLETTER_META_KEY: '_newsletter_optin',
} as const;

/**
 * A forged signed upload that trickles in: a well-formed header with a wrong HMAC, then `chunk` bytes
 * every `everyMs` until `stop()` (issue 20 item 1). Without a declared length (the worker must not
 * reserve room for it); the answer is 401 once it ends, or 408 past the worker's read deadline.
 */
function slowForgedUpload(base: string, path: string, options: { chunk?: number; everyMs?: number } = {}) {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) =>
      new Promise<void>((resolve) => {
        if (stopped) {
          controller.close();
          resolve();
          return;
        }
        timer = setTimeout(() => {
          if (stopped) controller.close();
          else controller.enqueue(new Uint8Array(options.chunk ?? 1024).fill(32));
          resolve();
        }, options.everyMs ?? 250);
      }),
    cancel: () => {
      stopped = true;
      clearTimeout(timer);
    },
  });
  const header = `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
  const answer = fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header },
    body: stream,
    duplex: 'half',
  } as RequestInit)
    .then(async (res) => {
      await res.arrayBuffer().catch(() => undefined);
      return res.status;
    })
    .catch(() => 0);
  return {
    answer,
    stop: () => {
      stopped = true;
    },
  };
}
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';

/**
 * The worker isolate's used JS heap after a full garbage collection, in MB, read through the
 * inspector that `wrangler dev` opens (Chrome DevTools Protocol: HeapProfiler.collectGarbage, then
 * Runtime.getHeapUsage); null when the collection was not confirmed. workerd's process RSS is no
 * measure here: under `wrangler dev` it grows by about 90 MB per 1,000 requests even for GET /health
 * (local simulation and dev-time bookkeeping).
 */
async function isolateHeapMb(stack: Stack): Promise<number | null> {
  const args = stack.worker.process.spawnargs;
  const at = args.indexOf('--inspector-port');
  if (at < 0) return null;
  const port = args[at + 1];
  try {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) return null;
    // The inspector proxy admits the DevTools origin only.
    const ws = new WebSocket(url, { headers: { Origin: 'https://devtools.devprod.cloudflare.dev' } } as unknown as string[]);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const waiting = new Map<number, (result: unknown) => void>();
    ws.onmessage = (m) => {
      const data = JSON.parse(String(m.data)) as { id?: number; result?: unknown };
      if (data.id !== undefined) waiting.get(data.id)?.(data.result);
    };
    let id = 0;
    const call = (method: string, timeoutMs: number) =>
      new Promise<unknown>((resolve) => {
        id += 1;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params: {} }));
        setTimeout(() => resolve(null), timeoutMs);
      });
    // V8 runs the collection as a task of the isolate, and workerd runs that task only when the
    // isolate is next entered: an idle worker (the consumer settled) never collects, and its heap
    // would be read with the garbage of the whole round in it. A request enters the isolate.
    let collected = false;
    const collecting = call('HeapProfiler.collectGarbage', 20_000).then((result) => (collected = result !== null));
    for (let i = 0; i < 10 && !collected; i += 1) {
      await fetch(`${stack.workerUrl}/health`)
        .then((res) => res.arrayBuffer())
        .catch(() => undefined);
      await Promise.race([collecting, sleep(500)]);
    }
    const usage = collected ? ((await call('Runtime.getHeapUsage', 5_000)) as { usedSize?: number } | null) : null;
    ws.close();
    return usage?.usedSize ? Math.round(usage.usedSize / 104857.6) / 10 : null;
  } catch {
    return null;
  }
}

const sha1Hex = async (text: string) => createHash('sha1').update(text).digest('hex');

let seq = 0;
const uid = (prefix: string) => `${prefix}${Date.now().toString(36)}${((seq += 1)).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const visitor = () => uid('v').padEnd(24, 'x').slice(0, 40);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `jobs` with at most `parallel` in flight. */
async function pool<T>(jobs: (() => Promise<T>)[], parallel: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

export async function runAttack(
  stack: Stack,
  scale = 1,
  options: { parallel?: number; deliveryTimeoutMs?: number; settleMs?: number; rounds?: number } = {},
): Promise<AttackReport> {
  const started = Date.now();
  const base = stack.workerUrl;
  const report: AttackReport = {
    requests: {},
    total: 0,
    serverErrors: 0,
    serverErrorSamples: [],
    consentChanges: 0,
    profileChanges: 0,
    legitimateFailed: 0,
    legitimate: 0,
    unexpected: [],
    heapMb: [],
    classes: {},
    seconds: 0,
  };

  /** Sends one request and books it; `expect` names the statuses this class must get. */
  async function send(
    klass: string,
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: BodyInit } = {},
    expect?: (status: number) => boolean,
  ): Promise<Response> {
    const res = await fetch(`${base}${path}`, { method, ...init, ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
    const endpoint = `${method} ${path.split('?')[0]!.replace(/\/callbacks\/.*/, '/callbacks/*')}`;
    report.requests[endpoint] = (report.requests[endpoint] ?? 0) + 1;
    report.total += 1;
    const byStatus = (report.classes[klass] ??= {});
    byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
    if (res.status >= 500) {
      report.serverErrors += 1;
      if (report.serverErrorSamples.length < 5)
        report.serverErrorSamples.push(`${klass} ${endpoint} → ${res.status} ${(await res.clone().text()).slice(0, 120)}`);
    }
    if (expect && !expect(res.status) && report.unexpected.length < 20) report.unexpected.push(`${klass}: ${endpoint} answered ${res.status}`);
    await res.arrayBuffer().catch(() => undefined);
    return res;
  }

  const signed = (klass: string, path: string, body: unknown, expect?: (s: number) => boolean) => {
    const raw = JSON.stringify(body);
    return send(
      klass,
      'POST',
      path,
      { headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': signature(LOCAL_SECRETS.SHOP_API_SECRET, 'POST', path, raw) }, body: raw },
      expect,
    );
  };
  const beacon = (klass: string, events: Record<string, unknown>[], headers: Record<string, string> = {}, expect?: (s: number) => boolean) =>
    send(
      klass,
      'POST',
      '/e',
      { headers: { 'Content-Type': 'text/plain', Origin: SHOP, 'User-Agent': BROWSER, ...headers }, body: JSON.stringify({ v: 2, u: visitor(), e: events }) },
      expect,
    );
  const ev = (k: string, extra: Record<string, unknown> = {}) => ({ i: uid('ev-'), k, t: Date.now(), u: `${SHOP}/p`, ...extra });
  const purchase = (orderId: string, extra: Record<string, unknown> = {}) => ({
    type: 'purchase',
    orderId,
    email: `${uid('buyer')}@example.com`,
    value: 49.9,
    currency: 'PLN',
    products: [{ id: 'sku-1', quantity: 1, price: 49.9 }],
    occurredAt: new Date().toISOString(),
    ...extra,
  });
  const refused = (s: number) => s >= 400 && s < 500;
  const parallel = options.parallel ?? 16;

  /** Waits (up to 30 s) until the simulator's contact of `email` satisfies `ok`; false when it never does. */
  const contactBecomes = async (email: string, ok: (c: { optIn?: string; name?: string }) => boolean) => {
    for (const until = Date.now() + 30_000; Date.now() < until; await sleep(250)) {
      const contact = stack.simulator.simulation.store.contact(email);
      if (contact && ok(contact)) return true;
    }
    return false;
  };
  const hook = (klass: string, platform: 'woocommerce' | 'shopify', topic: string, raw: string, deliveryId: string | null) => {
    const secret = platform === 'woocommerce' ? LOCAL_SECRETS.WOOCOMMERCE_WEBHOOK_SECRET : LOCAL_SECRETS.SHOPIFY_WEBHOOK_SECRET;
    const hmac = createHmac('sha256', secret).update(raw).digest('base64');
    const headers: Record<string, string> =
      platform === 'woocommerce'
        ? { 'X-WC-Webhook-Topic': topic, 'X-WC-Webhook-Signature': hmac, ...(deliveryId ? { 'X-WC-Webhook-Delivery-ID': deliveryId } : {}) }
        : {
            'X-Shopify-Topic': topic,
            'X-Shopify-Hmac-Sha256': hmac,
            'X-Shopify-Shop-Domain': LOCAL_SHOPIFY_DOMAIN,
            ...(deliveryId ? { 'X-Shopify-Webhook-Id': deliveryId } : {}),
          };
    return send(klass, 'POST', `/hooks/${platform}`, { headers: { 'Content-Type': 'application/json', ...headers }, body: raw }, (s) => s === 200);
  };
  const wooGmt = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  let platformIds = Date.now() * 100;

  /**
   * A signed subscribe through a platform webhook, the person's unsubscribe in SALESmanago (the
   * simulator's opt-out and its callback), then the same signed bytes re-sent under a new delivery id
   * and under none. The person must stay opted out (checked with the victims at the end).
   */
  async function replayAfterOptOut(kind: number): Promise<string | null> {
    const email = `${uid('replayed')}@example.com`;
    const stated = wooGmt(Date.now() - 60_000);
    const [platform, topic, payload] = [
      [
        'woocommerce',
        'order.created',
        {
          id: (platformIds += 1),
          status: 'processing',
          currency: 'PLN',
          total: '49.90',
          customer_id: 0,
          billing: { email, first_name: 'Ala', last_name: 'Replay' },
          line_items: [{ product_id: 1, name: 'Kubek', quantity: 1, price: 49.9 }],
          date_created_gmt: stated,
          date_modified_gmt: stated,
          date_paid_gmt: stated,
          meta_data: [{ key: ATTACK_VARS.WOOCOMMERCE_NEWSLETTER_META_KEY, value: 'yes' }],
        },
      ],
      [
        'woocommerce',
        'customer.created',
        {
          id: (platformIds += 1),
          email,
          first_name: 'Ala',
          date_created_gmt: stated,
          date_modified_gmt: stated,
          meta_data: [{ key: ATTACK_VARS.WOOCOMMERCE_NEWSLETTER_META_KEY, value: 'yes' }],
        },
      ],
      [
        'shopify',
        'customers/create',
        {
          id: (platformIds += 1),
          email,
          first_name: 'Ala',
          email_marketing_consent: { state: 'subscribed', consent_updated_at: new Date(Date.now() - 60_000).toISOString() },
        },
      ],
    ][kind % 3] as ['woocommerce' | 'shopify', string, unknown];
    const raw = JSON.stringify(payload);
    const first = await hook('signed platform subscribe', platform, topic, raw, crypto.randomUUID());
    if (first.status !== 200 || !(await contactBecomes(email, (c) => c.optIn === 'opt-in'))) {
      report.unexpected.push(`replay set-up: ${platform} ${topic} subscribe not delivered`);
      return null;
    }
    const change = await stack.simulator.unsubscribe(email);
    if (change.status !== 200) report.unexpected.push(`replay set-up: opt-out callback answered ${change.status}`);
    await hook('replayed platform webhook', platform, topic, raw, crypto.randomUUID());
    await hook('replayed platform webhook', platform, topic, raw, null);
    return email;
  }

  /**
   * The shop posts a signed contact; once SALESmanago has it, a stranger's offer and newsletter beacons
   * carry the same e-mail with other name, phone and company. SALESmanago's fields must not change.
   */
  const REAL = { name: 'Anna Nowak', phone: '+48600100200', company: 'Nowak Sp. z o.o.' };
  const profileVictims: string[] = [];
  async function strangerAfterSignedContact(): Promise<void> {
    const email = `${uid('profile')}@example.com`;
    const res = await signed('signed contact', '/api/v1/contacts', { email, ...REAL, newsletter: 'subscribe', trigger: 'registration' }, (s) => s === 202);
    if (res.status !== 202 || !(await contactBecomes(email, (c) => c.name === REAL.name))) {
      report.unexpected.push('profile set-up: the signed contact was not delivered');
      return;
    }
    const stranger = { email, name: 'Mallory', phone: '+48999999999', company: 'Evil Inc.' };
    await beacon('stranger beacon after a signed contact', [ev('offer', stranger), ev('newsletter', stranger), ev('survey', stranger)], {}, (s) => s === 202);
    profileVictims.push(email);
  }

  const legitimateOrders: string[] = [];
  const victimsAll: string[] = [];
  const strangersAll: string[] = [];
  const shuffle = (list: (() => Promise<unknown>)[]) =>
    list
      .map((job, i) => ({ job, key: (i * 2654435761) % 4294967296 }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.job);

  /** One round of every class; the requests of a round are split evenly over `rounds`. */
  async function round(n: (full: number) => number): Promise<void> {
    // --- Consent override set-up (legitimate): the shop unsubscribes the victims.
    const victims = Array.from({ length: n(20) }, () => `${uid('victim')}@example.com`);
    await pool(
      victims.map((email) => () => signed('setup: shop unsubscribes', '/api/v1/contacts', { email, newsletter: 'unsubscribe' }, (s) => s === 202)),
      parallel,
    );
    const strangers = Array.from({ length: n(20) }, () => `${uid('stranger')}@example.com`);

    const jobs: (() => Promise<unknown>)[] = [];

    // 1. Forged and replayed signatures.
    for (let i = 0; i < n(500); i += 1) {
      const raw = JSON.stringify(purchase(uid('FORGED-')));
      const t = Math.floor(Date.now() / 1000);
      const header = [
        `t=${t},v1=${'0'.repeat(64)}`,
        `t=${t - 3600},v1=${'a'.repeat(64)}`,
        'v1=zz',
        `t=${t}`,
        signature('guessed-secret-123456', 'POST', '/api/v1/events', raw),
      ][i % 5]!;
      jobs.push(() =>
        send(
          'forged signature',
          'POST',
          '/api/v1/events',
          { headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw },
          (s) => s === 401,
        ),
      );
    }
    for (let i = 0; i < n(100); i += 1) {
      jobs.push(async () => {
        const orderId = uid('REPLAY-');
        const raw = JSON.stringify(purchase(orderId));
        const header = signature(LOCAL_SECRETS.SHOP_API_SECRET, 'POST', '/api/v1/events', raw);
        const init = { headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw };
        const first = await send('legitimate purchase', 'POST', '/api/v1/events', init, (s) => s === 202);
        report.legitimate += 1;
        if (first.status === 202) legitimateOrders.push(orderId);
        else report.legitimateFailed += 1;
        await send('replayed signature', 'POST', '/api/v1/events', init, (s) => s === 401);
      });
    }

    // 2. Origin tricks: refused, and CORS never echoes a raw Origin.
    const origins = ['http://localhost.evil.com', 'http://evillocalhost', 'null', 'file://', 'https://evil.com', 'http://127.0.0.1.nip.io'];
    for (let i = 0; i < n(300); i += 1) {
      const origin = origins[i % origins.length]!;
      jobs.push(() => beacon('origin trick', [ev('visit')], { Origin: origin }, (s) => s === 403));
    }
    for (let i = 0; i < n(50); i += 1) {
      jobs.push(async () => {
        const res = await send('CORS preflight', 'OPTIONS', '/e', {
          headers: { Origin: 'http://evil.com@localhost:8788', 'Access-Control-Request-Method': 'POST' },
        });
        const allowed = res.headers.get('Access-Control-Allow-Origin');
        if (allowed?.includes('evil')) report.unexpected.push(`CORS echoed ${allowed}`);
      });
    }

    // 3. Malformed and oversize bodies.
    const malformed: [string, string, { headers?: Record<string, string>; body?: BodyInit }, (s: number) => boolean][] = [
      ['malformed beacon', '/e', { headers: { Origin: SHOP, 'Content-Type': 'text/plain' }, body: '{"v":2,"u":' }, refused],
      ['oversize beacon', '/e', { headers: { Origin: SHOP, 'Content-Type': 'text/plain' }, body: 'x'.repeat(40 * 1024) }, (s) => s === 413],
      ['oversize unsigned shop body', '/api/v1/events', { headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(300 * 1024) }, (s) => s === 401],
      ['oversize unsigned batch', '/api/v1/batch', { headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024) }, (s) => s === 401],
      ['large POST to consents', '/api/v1/consents', { body: 'x'.repeat(4 * 1024 * 1024) }, (s) => s === 405],
      [
        'malformed multipart callback',
        '/callbacks/opt-in',
        { headers: { 'Content-Type': 'multipart/form-data; boundary=zz' }, body: '--zz\r\nContent-Disposition: form-data; name="email"\r\n\r\nx' },
        (s) => s === 400,
      ],
      ['malformed JSON callback', '/callbacks/opt-out', { headers: { 'Content-Type': 'application/json' }, body: '{"email":' }, (s) => s === 400],
    ];
    for (let i = 0; i < n(140); i += 1) {
      const [klass, path, init, expect] = malformed[i % malformed.length]!;
      jobs.push(() => send(klass, 'POST', path, init, expect));
    }

    // 4. The poisoning mix: poisoned beacons and bad shop dates interleaved with signed purchases.
    const poisonedEmails = ['x..1@example.com', '.a@x.pl', `${'a'.repeat(65)}@example.com`, 'a.@x.pl'];
    for (let i = 0; i < n(60); i += 1) {
      if (i % 2 === 0) {
        const address = poisonedEmails[(i / 2) % poisonedEmails.length]!;
        jobs.push(() => beacon('poisoned beacon', [ev('newsletter', { email: address }), ev('survey', { email: address, t: 253402214400000 })], {}, refused));
        jobs.push(() =>
          signed(
            'poisoned shop event',
            '/api/v1/events',
            purchase(uid('BAD-'), { occurredAt: ['0000-01-01T00:00:00Z', '9999-12-31T00:00:00Z'][i % 2 === 0 ? (i / 2) % 2 : 0] }),
            refused,
          ),
        );
      }
      jobs.push(async () => {
        const orderId = uid('ORDER-');
        report.legitimate += 1;
        const res = await signed('legitimate purchase', '/api/v1/events', purchase(orderId), (s) => s === 202);
        if (res.status === 202) legitimateOrders.push(orderId);
        else report.legitimateFailed += 1;
      });
    }

    // 5. Consent override: newsletter beacons for the victims (and strangers), forged callbacks.
    for (const email of [...victims, ...strangers]) {
      jobs.push(() => beacon('consent override beacon', [ev('newsletter', { email })], {}, (s) => s === 202));
      jobs.push(() =>
        send('forged opt-in callback', 'GET', `/callbacks/opt-in?email=${encodeURIComponent(email)}&key=${'0'.repeat(40)}`, {}, (s) => s === 403),
      );
    }

    // 6. Replayed signed webhooks with a later opt-out in between; a stranger's beacon after a signed
    // contact (issue 20, items 2 and 3).
    // At least one replay of each platform subscribe per round, also in the bounded run.
    for (let i = 0; i < Math.max(3, n(30)); i += 1) {
      jobs.push(async () => {
        const email = await replayAfterOptOut(i);
        if (email) victims.push(email);
      });
      if (i < n(30)) jobs.push(() => strangerAfterSignedContact());
    }

    // 7. Floods: bots, wrong-key callbacks, password guessing, one IP's beacons. They run after the
    // rest: under wrangler dev every request comes from one IP, so a flood would otherwise answer the
    // classes above 429 before they reach the code they attack.
    const floods: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < n(3000); i += 1)
      floods.push(() => beacon('bot flood', [ev('visit')], { 'User-Agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' }, (s) => s === 202 || s === 429));
    for (let i = 0; i < n(2000); i += 1)
      floods.push(() => send('callback flood', 'GET', `/callbacks/opt-out?email=${uid('f')}@example.com&key=${'1'.repeat(40)}`, {}, (s) => s === 403));
    for (let i = 0; i < n(500); i += 1) {
      floods.push(() =>
        send(
          'password guessing',
          'POST',
          '/admin/replay',
          { headers: { Authorization: `Basic ${btoa(`admin:guess${i}`)}`, 'CF-Connecting-IP': '203.0.113.7' } },
          (s) => s === 401 || s === 429,
        ),
      );
    }
    for (let i = 0; i < n(2000); i += 1)
      floods.push(() => beacon('beacon flood', [ev('visit')], { 'CF-Connecting-IP': '203.0.113.9' }, (s) => s === 202 || s === 429));

    // 7. Issue 20: slow forged uploads held open while the classes above run (their legitimate
    // purchases must not fail), public-suffix shop domains, dates SALESmanago cannot take, the Kelvin sign.
    for (let i = 0; i < n(100); i += 1) {
      const evil = ['https://evil.com', 'https://shop.co.uk', 'https://attacker.github.io', 'https://com'][i % 4]!;
      jobs.push(() => beacon('public-suffix domain', [ev('visit')], { Origin: evil }, (s) => s === 403));
    }
    for (let i = 0; i < n(60); i += 1) {
      const occurredAt = ['2001-09-08T12:00:00Z', '2001-09-09T01:46:39Z', '1970-01-02T00:00:00Z'][i % 3]!;
      jobs.push(() => signed('pre-13-digit date', '/api/v1/events', purchase(uid('OLD-'), { occurredAt }), (s) => s === 400));
      jobs.push(() => signed('pre-13-digit date', '/api/v1/batch', { items: [{ kind: 'event', ...purchase(uid('OLD-'), { occurredAt }) }] }, (s) => s === 400));
    }
    for (let i = 0; i < n(40); i += 1) {
      // The Kelvin sign (U+212A) lower-cases to an ASCII "k": its ASCII twin must stay untouched.
      const twin = `k${uid('elvin')}@example.com`;
      const kelvin = `\u212A${twin.slice(1)}`;
      strangers.push(twin);
      jobs.push(() => beacon('Kelvin sign', [ev('newsletter', { email: kelvin })], {}, (s) => s === 400));
      jobs.push(() => signed('Kelvin sign', '/api/v1/contacts', { email: kelvin, newsletter: 'subscribe' }, (s) => s === 400));
      jobs.push(async () => {
        const key = await sha1Hex(`${twin}${LOCAL_SECRETS.CALLBACK_SECRET}`);
        return send('Kelvin sign', 'GET', `/callbacks/opt-in?email=${encodeURIComponent(kelvin)}&key=${key}`, {}, (s) => s === 400);
      });
    }

    // Interleave the classes, so that each runs alongside the others; the slow uploads stay open
    // meanwhile (4 per 16 parallel jobs at full scale), and are let go once the rest is done.
    const slow = Array.from({ length: n(8) }, () => slowForgedUpload(base, '/api/v1/batch'));
    await pool(shuffle(jobs), parallel);
    for (const upload of slow) upload.stop();
    for (const status of await Promise.all(slow.map((s) => s.answer))) {
      const byStatus = (report.classes['slow forged upload'] ??= {});
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      report.requests['POST /api/v1/batch'] = (report.requests['POST /api/v1/batch'] ?? 0) + 1;
      report.total += 1;
      if (status >= 500) report.serverErrors += 1;
      if (status !== 401 && status !== 408 && report.unexpected.length < 20) report.unexpected.push(`slow forged upload answered ${status}`);
    }
    await pool(shuffle(floods), parallel);
    victimsAll.push(...victims);
    strangersAll.push(...strangers);
  }

  // Memory is read after each round, once the queue consumer (the same isolate under wrangler dev)
  // has worked off its events: the first round warms the isolate up (code compiled and optimised),
  // so a leak shows as growth from one round to the next.
  const rounds = options.rounds ?? 2;
  for (let r = 0; r < rounds; r += 1) {
    await round((full) => Math.max(1, Math.round((full * scale) / rounds)));
    // Long enough for the per-IP limits' 60 s window to pass after a full-size flood, so that the next
    // round's classes reach the code again.
    await sleep(options.settleMs ?? (scale >= 0.5 ? 61_000 : 5_000));
    report.heapMb.push(await isolateHeapMb(stack));
  }

  // Outcomes: every legitimate purchase delivered, no consent changed by the unauthenticated input.
  const deadline = Date.now() + (options.deliveryTimeoutMs ?? 60_000);
  let missing = new Set(legitimateOrders);
  while (missing.size > 0 && Date.now() < deadline) {
    const delivered = new Set(stack.simulator.state().events.map((e) => e.externalId));
    missing = new Set([...missing].filter((id) => !delivered.has(id)));
    if (missing.size > 0) await sleep(500);
  }
  report.legitimateFailed += missing.size;

  await sleep(1_000);
  const contacts = new Map(stack.simulator.state().contacts.map((c) => [c.email, c]));
  for (const email of [...victimsAll, ...strangersAll]) {
    const inSalesmanago = contacts.get(email)?.optIn;
    const lookup = JSON.stringify({ email });
    const res = await fetch(`${base}/api/v1/consents/lookup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': signature(LOCAL_SECRETS.SHOP_API_SECRET, 'POST', '/api/v1/consents/lookup', lookup) },
      body: lookup,
    });
    const stored = res.ok ? ((await res.json()) as { status: string }).status : 'lookup failed';
    const expectedStored = victimsAll.includes(email) ? 'opt-out' : 'unknown';
    if (inSalesmanago === 'opt-in' || inSalesmanago === 'pending' || stored !== expectedStored) report.consentChanges += 1;
  }

  for (const email of profileVictims) {
    const contact = stack.simulator.simulation.store.contact(email);
    if (contact?.name !== REAL.name || contact.phone !== REAL.phone || contact.company !== REAL.company) report.profileChanges += 1;
  }

  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  return report;
}

/** The report as a Markdown table (docs/security.md "Attack suite"). */
export function reportTable(r: AttackReport): string {
  const growth = r.heapMb.every((m) => m !== null) ? `${r.heapMb.join(' → ')} MB` : 'not measured';
  const lines = [
    '| endpoint | requests |',
    '| --- | ---: |',
    ...Object.entries(r.requests)
      .sort((a, b) => b[1] - a[1])
      .map(([endpoint, count]) => `| \`${endpoint}\` | ${count} |`),
    `| **total** | **${r.total}** (${r.seconds} s) |`,
    '',
    '| outcome | goal | result |',
    '| --- | --- | ---: |',
    `| answers 5xx | 0 | ${r.serverErrors} |`,
    `| consent changes caused by unauthenticated input (replayed webhooks included) | 0 | ${r.consentChanges} |`,
    `| signed contacts' fields changed by a stranger's beacon | 0 | ${r.profileChanges} |`,
    `| legitimate purchases failed (of ${r.legitimate}) | 0 | ${r.legitimateFailed} |`,
    `| answers other than the class expects | 0 | ${r.unexpected.length} |`,
    `| worker heap after GC, after each round (the first warms up) | flat | ${growth} |`,
  ];
  return lines.join('\n');
}
