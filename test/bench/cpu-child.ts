// Runs in its own Node process (cpu.ts): imports the deployable bundle and measures OUR CPU per
// request kind, with every Cloudflare binding stubbed (rate limiters, queue, D1, KV answer at once
// with canned results) and SALESmanago stubbed at fetch. What is left is the worker's own work:
// parsing, validation, signatures, packing, mapping, the SQL and JSON it builds.
// argv: <bundle> <iterations> <rounds>. Prints one JSON object.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { localWorkerVars, LOCAL_SECRETS } from '../stack/local-values.ts';
import { beaconHeaders, orderEvent, signedShopRequest, SHOP_EVENTS_PATH, runTag, type Beacon } from './traffic.ts';
import { volume } from './workloads.ts';

registerHooks({
  resolve(specifier, context, next) {
    return specifier.startsWith('cloudflare:') ? { url: 'data:text/javascript,export default {}', shortCircuit: true } : next(specifier, context);
  },
});

// Workers' non-standard crypto.subtle.timingSafeEqual, which Node lacks.
(crypto.subtle as unknown as { timingSafeEqual: (a: ArrayBufferView | ArrayBuffer, b: ArrayBufferView | ArrayBuffer) => boolean }).timingSafeEqual = (a, b) => {
  const bytes = (x: ArrayBufferView | ArrayBuffer) => (x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  return timingSafeEqual(bytes(a), bytes(b));
};

// HMAC in-thread, as workerd computes it: each SubtleCrypto operation runs inside js.evalNow on the
// isolate's thread (cloudflare/workerd src/workerd/api/crypto/crypto.c++). Node runs importKey and sign
// as thread-pool jobs, about 100 µs of process CPU per HMAC against a few µs in-thread (measured below,
// `hmacUs`): a cost of Node's, not of our code. Any other algorithm goes to Node's own implementation.
const subtle = crypto.subtle as unknown as Record<'importKey' | 'sign', (...args: unknown[]) => Promise<unknown>>;
const nodeImportKey = subtle.importKey.bind(crypto.subtle);
const nodeSign = subtle.sign.bind(crypto.subtle);
const HMAC_RAW = Symbol('hmac key');
const isHmac = (algorithm: unknown) => (typeof algorithm === 'string' ? algorithm : (algorithm as { name?: string } | null)?.name) === 'HMAC';
const bytesOf = (x: ArrayBufferView | ArrayBuffer) => (x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
subtle.importKey = async (format, keyData, algorithm, ...rest) =>
  format === 'raw' && isHmac(algorithm)
    ? { type: 'secret', algorithm: { name: 'HMAC' }, [HMAC_RAW]: Buffer.from(bytesOf(keyData as ArrayBuffer)) }
    : nodeImportKey(format, keyData, algorithm, ...rest);
subtle.sign = async (algorithm, key, data) => {
  const raw = (key as { [HMAC_RAW]?: Buffer })[HMAC_RAW];
  if (!raw || !isHmac(algorithm)) return nodeSign(algorithm, key, data);
  const mac = createHmac('sha256', raw)
    .update(bytesOf(data as ArrayBuffer))
    .digest();
  return mac.buffer.slice(mac.byteOffset, mac.byteOffset + mac.byteLength);
};

const [bundle, iterationsText, roundsText] = process.argv.slice(2);
const iterations = Number(iterationsText ?? 200);
const rounds = Number(roundsText ?? 7);

const result = (changes = 1) => ({ results: [], success: true, meta: { changes, duration: 0 } });
function statement(): unknown {
  const s = {
    bind: () => s,
    first: async () => null,
    all: async () => result(),
    run: async () => result(),
    raw: async () => [],
  };
  return s;
}
const d1 = { prepare: () => statement(), batch: async (list: unknown[]) => list.map(() => result()), exec: async () => result() };
const kv = { get: async () => null, put: async () => undefined, delete: async () => undefined, list: async () => ({ keys: [], list_complete: true }) };
const queue = { send: async () => undefined, sendBatch: async () => undefined };
const limiter = { limit: async () => ({ success: true }) };
const env = {
  ...localWorkerVars('http://sm.stub'),
  LEDGER: d1,
  CONSENTS: kv,
  EVENTS: queue,
  RATE_LIMIT_IP: limiter,
  RATE_LIMIT_VISITOR: limiter,
  ASSETS: { fetch: async () => new Response('') },
};
const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} };

// SALESmanago at fetch: a success for every call, shaped as the client expects.
globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const url = String(input instanceof Request ? input.url : input);
  const body = JSON.parse(String(init?.body ?? '{}')) as { upsertDetails?: { contact: { email: string } }[]; events?: unknown[] };
  if (url.includes('batchupsert')) {
    const contactIds = Object.fromEntries((body.upsertDetails ?? []).map((d, i) => [d.contact.email, `c${i}`]));
    return Response.json({ success: true, message: [], contactIds });
  }
  if (url.includes('Batch')) return Response.json({ success: true, message: [], createdAmount: body.events?.length ?? 0, failedAmount: 0, failedContacts: [] });
  return Response.json({ success: true, message: [], eventId: 'e1' });
}) as typeof fetch;

const worker = (await import(pathToFileURL(bundle!).href)).default as {
  fetch: (r: Request, e: unknown, c: unknown) => Promise<Response>;
  queue: (b: unknown, e: unknown, c: unknown) => Promise<void>;
};

/** Our CPU (user + system, µs) per call of `work` in each round, after a warm-up of two rounds' worth:
 *  V8 optimises hot code on background threads, which process.cpuUsage counts, and an isolate pays that
 *  once, not per request. */
async function cpuPer(work: (i: number) => Promise<void>, n = iterations): Promise<number[]> {
  for (let i = 0; i < 2 * n; i++) await work(i);
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await work(i);
    const used = process.cpuUsage(start);
    perRound.push((used.user + used.system) / n);
  }
  return perRound;
}

const tag = runTag();
const beacons = new Map<number, Beacon>();
for (const size of [1, 10, 50]) {
  const item = volume(`${tag}${size}`, size, { perBeacon: size })[0];
  if (item && 'beacon' in item) beacons.set(size, item.beacon);
}

// Requests carry Content-Length, as every beacon and shop request arriving over HTTP does (workerd
// passes it on); without it hono's bodyLimit would re-read the body into a new Request, a cost only
// this harness would pay.
const out: Record<string, number[]> = {};

// What one HMAC costs each way (the figure the shim takes out).
const hmacUs = { node: 0, inThread: 0 };
{
  const key = new TextEncoder().encode(LOCAL_SECRETS.SHOP_API_SECRET);
  const once = async (importKey: typeof nodeImportKey, sign: typeof nodeSign, i: number) => {
    const k = await importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    await sign('HMAC', k, new TextEncoder().encode(`login.${i}`));
  };
  for (const [name, importKey, sign] of [
    ['node', nodeImportKey, nodeSign],
    ['inThread', subtle.importKey, subtle.sign],
  ] as const) {
    for (let i = 0; i < 500; i++) await once(importKey, sign, i);
    const start = process.cpuUsage();
    for (let i = 0; i < 2_000; i++) await once(importKey, sign, i);
    const used = process.cpuUsage(start);
    hmacUs[name] = (used.user + used.system) / 2_000;
  }
}
for (const [size, beacon] of beacons) {
  const body = JSON.stringify(beacon);
  out[`beacon${size}`] = await cpuPer(async () => {
    const res = await worker.fetch(
      new Request('http://w.local/e', { method: 'POST', headers: { ...beaconHeaders(), 'content-length': String(Buffer.byteLength(body)) }, body }),
      env,
      ctx,
    );
    if (res.status !== 202) throw new Error(`POST /e answered ${res.status}: ${await res.text()}`);
  });
}

// Signed shop requests, each with a fresh signature made before the measured loop.
const signed = Array.from({ length: iterations + 50 }, (_, i) =>
  signedShopRequest(SHOP_EVENTS_PATH, orderEvent('purchase', `CPU-${tag}-${i}`, `cpu-${i}@bench.example`, i)),
);
let next = 0;
out.shopEvent = await cpuPer(async () => {
  const req = signed[next++ % signed.length]!;
  const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
  const res = await worker.fetch(new Request(`http://w.local${SHOP_EVENTS_PATH}`, { method: 'POST', headers, body: req.body }), env, ctx);
  if (res.status !== 202) throw new Error(`POST ${SHOP_EVENTS_PATH} answered ${res.status}: ${await res.text()}`);
});

// The consumer: one batch of 100 messages of 1 purchase each (distinct customers), per event.
const PER_BATCH = 100;
const now = Date.now();
const batchOf = (r: number) => ({
  queue: 'sm-edge-events',
  metadata: {},
  messages: Array.from({ length: PER_BATCH }, (_, i) => ({
    id: `m${r}-${i}`,
    timestamp: new Date(),
    attempts: 1,
    body: {
      kind: 'events',
      events: [
        {
          id: `s:purchase:CPU-${r}-${i}`,
          type: 'purchase',
          source: 'shop',
          occurredAt: now,
          receivedAt: now,
          email: `buyer-${i}@bench.example`,
          emailVerified: true,
          value: 99.5,
          currency: 'PLN',
          products: [{ id: 'sku-1', name: 'Kubek', quantity: 2, price: 49.75 }],
          order: { orderId: `CPU-${r}-${i}`, loggedIn: false },
        },
      ],
    },
    ack: () => undefined,
    retry: () => undefined,
  })),
  ackAll: () => undefined,
  retryAll: () => undefined,
});
const consumerRounds = await cpuPer(async (i) => worker.queue(batchOf(i), env, ctx), Math.max(10, Math.round(iterations / 10)));
out.consumerPerEvent = consumerRounds.map((us) => us / PER_BATCH);

process.stdout.write(JSON.stringify({ iterations, rounds, secretsUsed: Object.keys(LOCAL_SECRETS).length, perRound: out, hmacUs }));
