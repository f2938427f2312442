// End to end with the simulator playing SALESmanago: an opt-out made in SALESmanago calls the worker's
// callback URL, reaches KV, and the shop reads it through the signed consent API.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signRequest } from '../demo-shop/shop-server-api.ts';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { startStack, type Stack } from '../stack/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

async function signedGet(path: string) {
  const res = await fetch(`${stack.workerUrl}${path}`, {
    headers: { 'Sm-Edge-Signature': signRequest(LOCAL_SECRETS.SHOP_API_SECRET, 'GET', path, '') },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function simulator(path: string, body: unknown) {
  const res = await fetch(`${stack.simulatorUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return (await res.json()) as { status: number; body: unknown };
}

it('a SALESmanago opt-out reaches KV and the consent API; a later confirmation wins', async () => {
  const email = `Opt.Out+${Date.now()}@Example.com`;
  const normalised = email.toLowerCase();

  const out = await simulator('/__sim/contacts/unsubscribe', { email });
  expect(out.status).toBe(200);
  const afterOut = await signedGet(`/api/v1/consents/${encodeURIComponent(normalised)}`);
  expect(afterOut.status).toBe(200);
  expect(afterOut.body).toMatchObject({ email: normalised, status: 'opt-out' });

  await new Promise((r) => setTimeout(r, 5));
  const back = await simulator('/__sim/contacts/confirm', { email });
  expect(back.status).toBe(200);
  expect((await signedGet(`/api/v1/consents/${encodeURIComponent(normalised)}`)).body).toMatchObject({ status: 'opt-in' });

  // The change list (GET /api/v1/consents?since=) lists changes once they are 60 s old (KV's
  // propagation window), so it is covered by the workerd tests rather than waited for here.
});
