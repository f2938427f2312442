// ARCHITECTURE.md's rule "a route reads the request, calls one domain function and answers", checked
// on the source: each handler of worker/routes/ (with the helpers of its own file it calls) calls at most
// one function from outside the edge. The edge's plumbing (http/, the refusals of errors.ts, env,
// config, log, libraries) does not count. A second call names itself here: move it behind the first.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { routeHandlerCalls } from './route-calls.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUTES = readdirSync(`${ROOT}worker/routes`).filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f));

/** Known exceptions, each with its reason. */
const EXCEPTIONS: Record<string, string> = {
  // The benchmarks' bindings floor must make the bare platform calls itself (ARCHITECTURE.md, The rules).
  'floor.ts': 'the bindings floor',
};

describe('routes only route', () => {
  it('reads the handlers (the check would pass on nothing otherwise)', () => {
    const shop = routeHandlerCalls(ROOT, 'worker/routes/shop-api.ts');
    expect(shop.map((h) => h.handler)).toEqual(['post /events', 'post /contacts', 'post /batch', 'post /products']);
    expect(shop[0]!.calls).toEqual(['../ingest/shop.ts:acceptEventRequest']);
  });

  it('each handler calls at most one domain function', () => {
    const over = ROUTES.filter((f) => !(f in EXCEPTIONS)).flatMap((f) =>
      routeHandlerCalls(ROOT, `worker/routes/${f}`)
        .filter((h) => h.calls.length > 1)
        .map((h) => `${f} ${h.handler}: ${h.calls.join(', ')}`),
    );
    expect(over).toEqual([]);
  });

  it('no route calls ledger/ or queue/ itself (the domain folders do), the exceptions aside', () => {
    const direct = ROUTES.filter((f) => !(f in EXCEPTIONS)).flatMap((f) =>
      routeHandlerCalls(ROOT, `worker/routes/${f}`).flatMap((h) =>
        h.calls.filter((call) => /^\.\.\/(ledger|queue)\//.test(call)).map((call) => `${f} ${h.handler}: ${call}`),
      ),
    );
    expect(direct).toEqual([]);
  });

  it('the configuration is parsed in one place: worker/index.ts registers withConfig, no router again', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${ROOT}worker/index.ts`, 'utf8')).toMatch(/app\.use\('\*', withConfig\)/);
    expect(ROUTES.filter((f) => /\bwithConfig\b/.test(readFileSync(`${ROOT}worker/routes/${f}`, 'utf8')))).toEqual([]);
  });

  it('no route builds an error answer: refusals are thrown (worker/errors.ts) and answered by app.onError', async () => {
    const { readFileSync } = await import('node:fs');
    const inline = ROUTES.flatMap((f) => [...readFileSync(`${ROOT}worker/routes/${f}`, 'utf8').matchAll(/\bjson\(\s*\{\s*error\b/g)].map(() => f));
    expect(inline).toEqual([]);
  });
});
