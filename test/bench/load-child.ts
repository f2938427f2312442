// One autocannon run, in its own process (started by load.ts) so that generating load does not share
// an event loop with the simulator, which runs in the benchmark's main process. Reads a LoadSpec as
// JSON from argv[2] and prints a LoadResult as JSON on stdout.
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './load.ts';
import { SHOP_EVENTS_PATH, beaconHeaders, customerEmail, orderEvent, pageLoadBeacon, signedShopRequest } from './traffic.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
let n = 0;
let rejected = 0;

/** Every request is new: a new visitor (the per-visitor limit is not what is measured), new event ids, a new order and signature. */
function nextRequest(): { method: 'POST'; path: string; headers: Record<string, string>; body: string } {
  const i = n++;
  switch (spec.target) {
    case 'floor':
      // The floor gets the same bytes as a beacon: only the work behind the route differs.
      return { method: 'POST', path: '/floor', headers: beaconHeaders(), body: JSON.stringify(pageLoadBeacon(spec.tag, i)) };
    case 'bindings-floor': {
      // The same bytes and the same platform calls as POST /e (worker/routes/floor.ts), without our code.
      const beacon = pageLoadBeacon(spec.tag, i);
      return { method: 'POST', path: `/floor/bindings?v=${encodeURIComponent(beacon.u)}`, headers: beaconHeaders(), body: JSON.stringify(beacon) };
    }
    case 'signed-floor': {
      // The same signed bytes as POST /api/v1/events; the route makes exactly an HMAC, a D1 write and a queue send.
      const signed = signedShopRequest(SHOP_EVENTS_PATH, orderEvent('purchase', `F${spec.tag}-${i}`, customerEmail(spec.tag, i % 500), i));
      return { method: 'POST', path: '/floor/signed', ...signed };
    }
    case 'beacon':
      return { method: 'POST', path: '/e', headers: beaconHeaders(), body: JSON.stringify(pageLoadBeacon(spec.tag, i)) };
    case 'shop-event': {
      const signed = signedShopRequest(SHOP_EVENTS_PATH, orderEvent('purchase', `B${spec.tag}-${i}`, customerEmail(spec.tag, i % 500), i));
      return { method: 'POST', path: SHOP_EVENTS_PATH, ...signed };
    }
  }
}

const load = autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationS,
  ...(spec.rate ? { overallRate: spec.rate } : {}),
  timeout: 30,
  requests: [
    {
      setupRequest: (request: Record<string, unknown>) => ({ ...request, ...nextRequest() }),
      // A 202 may reject single events of a beacon: then the route did not do the work measured.
      onResponse: (status: number, body: string) => {
        if (status === 202 && body.includes('"rejected":[{')) rejected += 1;
      },
    },
  ],
});
// Every response's time, when asked: pooled across rounds, a p99 rests on thousands of samples
// instead of the 4th-highest of one short run (independence.ts).
const samples: number[] = [];
if (spec.samples) load.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => samples.push(responseTime));
const result = await load;

const statuses: Record<string, number> = {};
for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = Number(count);
const out: LoadResult = {
  target: spec.target,
  durationS: result.duration,
  requests: result.requests.total,
  statuses,
  errors: result.errors,
  timeouts: result.timeouts,
  partlyRejected: rejected,
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
  ...(spec.samples ? { samplesMs: samples.map((ms) => Math.round(ms * 100) / 100) } : {}),
};
process.stdout.write(JSON.stringify(out));
