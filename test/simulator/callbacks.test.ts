// Opt-in/opt-out callbacks: template rendering and the GET SALESmanago makes to the shop.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderCallbackUrl } from './callbacks.ts';
import { startSimulator, type Simulator } from './server.ts';
import { TEST_ACCOUNT } from './signed-request.ts';

const SECRET = 'callback-secret';
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe('renderCallbackUrl', () => {
  it('URL-encodes $email$ and evaluates every sha1(...) over the raw e-mail', () => {
    const url = renderCallbackUrl('https://shop.example/cb?email=$email$&key=sha1($email$S1)&k2=sha1(x$email$)', 'a+b@example.com');
    expect(url).toBe(`https://shop.example/cb?email=a%2Bb%40example.com&key=${sha1('a+b@example.comS1')}&k2=${sha1('xa+b@example.com')}`);
  });

  it('leaves a template without sha1 or with an unclosed sha1( alone apart from $email$', () => {
    expect(renderCallbackUrl('http://h/?e=$email$&k=sha1(open', 'a@b.co')).toBe('http://h/?e=a%40b.co&k=sha1(open');
  });
});

describe('confirm / unsubscribe', () => {
  let shop: Server;
  let shopUrl: string;
  let received: URL[] = [];
  let sim: Simulator;

  beforeAll(async () => {
    shop = createServer((req, res) => {
      received.push(new URL(req.url ?? '/', 'http://shop'));
      res.writeHead(req.method === 'GET' ? 200 : 405, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: req.url?.split('?')[0] }));
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    sim = await startSimulator({
      accounts: [TEST_ACCOUNT],
      callbacks: { optIn: `${shopUrl}/callbacks/opt-in?email=$email$&key=sha1($email$${SECRET})` },
    });
  });
  beforeEach(() => {
    sim.reset();
    received = [];
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((resolve) => shop.close(resolve));
  });

  const control = async (path: string, body: unknown) => {
    const response = await fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('confirm sets opt-in and GETs the opt-in template with the e-mail and its sha1 key', async () => {
    const email = 'jan.kowalski+news@example.com';
    const reply = await control('/__sim/contacts/confirm', { email });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ status: 200, body: JSON.stringify({ ok: true, path: '/callbacks/opt-in' }) });
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call?.pathname).toBe('/callbacks/opt-in');
    expect(call?.searchParams.get('email')).toBe(email);
    expect(call?.searchParams.get('key')).toBe(sha1(email + SECRET));
    expect(sim.state().contacts[0]).toMatchObject({ email, optIn: 'opt-in' });
    expect(sim.state().callbacksSent).toMatchObject([{ kind: 'optIn', email, status: 200 }]);
  });

  it('unsubscribe sets opt-out and uses the opt-out template set through POST /__sim/callbacks', async () => {
    const none = await control('/__sim/contacts/unsubscribe', { email: 'a@example.com' });
    expect(none.json).toMatchObject({ status: null, body: null, url: null, contact: { optIn: 'opt-out' } });
    expect(received).toHaveLength(0);

    const set = await control('/__sim/callbacks', { optOut: `${shopUrl}/callbacks/opt-out?email=$email$&key=sha1($email$${SECRET})` });
    expect(set.json.optOut).toContain('/callbacks/opt-out');
    expect(set.json.optIn).toContain('/callbacks/opt-in');
    await control('/__sim/contacts/confirm', { email: 'A@Example.com' });
    const reply = await control('/__sim/contacts/unsubscribe', { email: 'a@example.com' });
    expect(reply.json).toMatchObject({ status: 200 });
    expect(received.map((u) => [u.pathname, u.searchParams.get('email'), u.searchParams.get('key')])).toEqual([
      ['/callbacks/opt-in', 'a@example.com', sha1(`a@example.com${SECRET}`)],
      ['/callbacks/opt-out', 'a@example.com', sha1(`a@example.com${SECRET}`)],
    ]);
    expect(sim.state().contacts).toMatchObject([{ email: 'a@example.com', optIn: 'opt-out' }]);
    await control('/__sim/callbacks', { optOut: null });
    expect(sim.simulation.callbacks().optOut).toBeUndefined();
  });

  it('reports bad input and an unreachable callback target clearly', async () => {
    expect(await control('/__sim/contacts/confirm', { email: 'nope' })).toEqual({ status: 400, json: { error: 'email is not a valid e-mail address' } });
    expect((await control('/__sim/callbacks', { optIn: 'ftp://x/$email$' })).status).toBe(400);
    expect((await control('/__sim/callbacks', { optIn: 'http://x/' })).json.error).toMatch(/must contain \$email\$/);
    expect((await control('/__sim/callbacks', { other: 'http://x/$email$' })).json.error).toMatch(/not known/);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    await control('/__sim/callbacks', { optOut: `${deadUrl}/cb?email=$email$` });
    const reply = await control('/__sim/contacts/unsubscribe', { email: 'b@example.com' });
    expect(reply.status).toBe(502);
    expect(reply.json.error).toMatch(/callback to http:\/\/127\.0\.0\.1:\d+ failed/);
  });
});
