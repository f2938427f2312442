// npm run import (cli/import.mjs) against the local stack (wrangler dev + the SALESmanago simulator):
// the export formats' fixtures, a generated file of 2,000 orders, an interrupted import that continues
// where it stopped, and re-runs that send nothing twice.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../cli/import/formats.mjs';
import { ImportStopped, refusedFileOf, runImport, stateFileOf } from '../../cli/import/run.mjs';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { ROOT } from '../stack/processes.ts';
import { startStack, type Stack } from '../stack/stack.ts';
import { generateOrders } from './generate.ts';

const SECRET = LOCAL_SECRETS.SHOP_API_SECRET;
const FIXTURES = join(ROOT, 'test/import/fixtures');
const quiet = () => undefined;

describe("import formats (fixtures shaped like the shops' exports)", () => {
  it('Shopify orders: rows of one order grouped, the order Id, paid orders only', async () => {
    const { kind, format, records } = await readRecords(join(FIXTURES, 'shopify-orders.csv'));
    expect({ kind, format }).toEqual({ kind: 'orders', format: 'shopify' });
    expect(records.map((r) => r.line)).toEqual([2, 4, 5]);
    expect(records[0]!.item).toMatchObject({
      kind: 'event',
      type: 'purchase',
      orderId: '5550001001',
      email: 'ala@example.com',
      value: 135,
      currency: 'PLN',
      occurredAt: '2024-01-15T10:23:45+01:00',
      paymentMethod: 'Przelewy24',
      products: [
        { id: 'MUG-RED', quantity: 2, price: 30 },
        { id: 'PLATE-W', name: 'Talerz, biały', quantity: 3, price: 20 },
      ],
    });
    expect(records[1]!.error).toMatch(/pending/);
  });

  it('WooCommerce orders: line_item_N, the variation as the product, the status checked', async () => {
    const { format, records } = await readRecords(join(FIXTURES, 'woocommerce-orders.csv'), undefined, { timezone: '+02:00' });
    expect(format).toBe('woocommerce');
    expect(records[0]!.item).toMatchObject({
      orderId: '101',
      occurredAt: '2023-05-02T14:03:10+02:00',
      customerId: '12',
      loggedIn: true,
      products: [
        { id: '21', quantity: 2, price: 20 },
        { id: '31', quantity: 1, name: 'Koszulka - M' },
      ],
    });
    expect(records.slice(1).map((r) => r.error)).toEqual([expect.stringMatching(/pending/), 'value: is not a number']);
  });

  it('customers: consent columns never read (Shopify "Accepts Email Marketing", WooCommerce none)', async () => {
    const shopify = await readRecords(join(FIXTURES, 'shopify-customers.csv'));
    expect(shopify.kind).toBe('contacts');
    expect(shopify.records[0]!.item).toEqual({
      kind: 'contact',
      email: 'ala@example.com',
      name: 'Ala Kowalska',
      phone: '+48600100200',
      company: 'ACME',
      externalId: '7001',
      address: { street: 'Prosta 1 m. 2', zipCode: '00-001', city: 'Warszawa', country: 'PL' },
    });
    expect(shopify.records[1]).toEqual({ line: 3, error: 'the e-mail is missing' });
    const woo = await readRecords(join(FIXTURES, 'woocommerce-customers.csv'));
    expect(woo.records[0]!.item).toMatchObject({ email: 'ala@example.com', name: 'Ala Kowalska', address: { city: 'Warszawa' } });
  });

  it('generic CSV and ndjson', async () => {
    const orders = await readRecords(join(FIXTURES, 'generic-orders.csv'));
    expect(orders.records[0]!.item).toMatchObject({ orderId: 'A-1', products: [{ id: 'P1' }, { id: 'P2' }] });
    expect(orders.records[1]).toEqual({ line: 4, error: 'the e-mail is missing' });
    const nd = await readRecords(join(FIXTURES, 'orders.ndjson'));
    expect(nd.records.map((r) => [r.line, r.item?.kind ?? r.error])).toEqual([
      [1, 'event'],
      [3, 'not valid JSON'],
      [4, 'contact'],
    ]);
  });
});

describe('npm run import against the local stack', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    stack = await startStack();
    dir = mkdtempSync(join(tmpdir(), 'sm-edge-import-'));
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const copy = (name: string) => {
    const file = join(dir, name);
    copyFileSync(join(FIXTURES, name), file);
    return file;
  };

  it('imports a fixture, lists refused rows with line and reason, and a re-run sends nothing', async () => {
    const file = copy('woocommerce-customers.csv');
    const first = await runImport({ url: stack.workerUrl, file, secret: SECRET, log: quiet });
    expect(first).toMatchObject({ total: 2, accepted: 1, duplicate: 0, refused: 1, finished: true });
    // The worker names the field (items[i].email: …); the file names the line.
    expect(readFileSync(refusedFileOf(file), 'utf8')).toMatch(/^line,reason\n3,email: .+\n$/);
    const again = await runImport({ url: stack.workerUrl, file, secret: SECRET, log: quiet });
    expect(again.requests).toBe(0);
    // Without the state file everything goes again, and the ledger answers duplicate.
    rmSync(stateFileOf(file));
    const fresh = await runImport({ url: stack.workerUrl, file, secret: SECRET, log: quiet });
    expect(fresh).toMatchObject({ accepted: 0, duplicate: 1, refused: 1 });
  });

  it('2,000 generated orders, interrupted after the first batch, continue where they stopped; a re-run is all duplicates', async () => {
    const file = join(dir, 'orders.csv');
    const { csv, bad } = generateOrders(2000, { badEvery: 250, seed: `t${Date.now()}` });
    writeFileSync(file, csv);
    const controller = new AbortController();
    const lines: string[] = [];
    // Stop as a Ctrl-C would, after the first batch's state is saved.
    const stopped = runImport({
      url: stack.workerUrl,
      file,
      secret: SECRET,
      signal: controller.signal,
      log: (l) => lines.push(l),
    });
    const watch = setInterval(() => {
      if (existsSync(stateFileOf(file))) controller.abort();
    }, 5);
    await expect(stopped).rejects.toThrow(/interrupted/);
    clearInterval(watch);
    const saved = JSON.parse(readFileSync(stateFileOf(file), 'utf8')) as { next: number; accepted: number; refused: number };
    expect(saved.next).toBeGreaterThan(0);
    expect(saved.next).toBeLessThan(2000);

    const rest = await runImport({ url: stack.workerUrl, file, secret: SECRET, log: quiet });
    expect(rest.resumedAt).toBe(saved.next);
    expect(rest).toMatchObject({ total: 2000, finished: true, duplicate: 0 });
    expect(rest.accepted + rest.refused).toBe(2000);
    expect(rest.refused).toBe(bad.length);
    const refused = readFileSync(refusedFileOf(file), 'utf8').trim().split('\n').slice(1);
    expect(refused.map((l) => Number(l.split(',')[0])).sort((a, b) => a - b)).toEqual(bad);

    rmSync(stateFileOf(file));
    const rerun = await runImport({ url: stack.workerUrl, file, secret: SECRET, log: quiet });
    expect(rerun).toMatchObject({ accepted: 0, duplicate: 2000 - bad.length, refused: bad.length });
  }, 120_000);
  it('the network gone mid-import: it stops after its retries, and continues once the worker is reachable again', async () => {
    const file = join(dir, 'network.csv');
    writeFileSync(file, generateOrders(1500, { seed: `n${Date.now()}` }).csv);
    // A proxy to the worker that forwards the first two requests, then drops every connection.
    let forward = 2;
    const target = new URL(stack.workerUrl);
    const proxy: Server = createServer((req, res) => {
      if (forward <= 0) {
        req.socket.destroy();
        return;
      }
      forward -= 1;
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    try {
      await expect(runImport({ url, file, secret: SECRET, log: quiet, maxAttempts: 2 })).rejects.toBeInstanceOf(ImportStopped);
      expect(JSON.parse(readFileSync(stateFileOf(file), 'utf8'))).toMatchObject({ next: 1000, accepted: 1000, finished: false });
      forward = Infinity;
      const rest = await runImport({ url, file, secret: SECRET, log: quiet });
      expect(rest).toMatchObject({ resumedAt: 1000, accepted: 1500, duplicate: 0, refused: 0, finished: true, requests: 1 });
    } finally {
      proxy.close();
    }
  }, 120_000);

  it('Ctrl-C (SIGINT) finishes the batch in flight, saves the state and exits 130; the same command finishes the rest', async () => {
    const file = join(dir, 'ctrl-c.csv');
    writeFileSync(file, generateOrders(2500, { seed: `c${Date.now()}` }).csv);
    const cli = join(ROOT, 'cli/import.mjs');
    const environment = { ...process.env, SHOP_API_SECRET: SECRET };
    const child = spawn(process.execPath, [cli, '--url', stack.workerUrl, '--file', file, '--no-progress'], { env: environment });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    while (!existsSync(stateFileOf(file))) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/stopping after this batch[\s\S]*Run the same command again/);
    const saved = JSON.parse(readFileSync(stateFileOf(file), 'utf8')) as { next: number; accepted: number; finished: boolean };
    expect(saved).toMatchObject({ finished: false });
    expect(saved.accepted).toBe(saved.next);
    const rest = await runImport({ url: stack.workerUrl, file, secret: SECRET, log: quiet });
    // Nothing was in flight unanswered: no duplicate.
    expect(rest).toMatchObject({ resumedAt: saved.next, accepted: 2500, duplicate: 0, finished: true });
  }, 120_000);

  it('killed (SIGKILL) mid-import, the same command continues; at most the batch in flight is answered duplicate', async () => {
    const file = join(dir, 'killed.csv');
    writeFileSync(file, generateOrders(2500, { seed: `k${Date.now()}` }).csv);
    const cli = join(ROOT, 'cli/import.mjs');
    const environment = { ...process.env, SHOP_API_SECRET: SECRET };
    const child = spawn(process.execPath, [cli, '--url', stack.workerUrl, '--file', file, '--no-progress'], { env: environment, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (!existsSync(stateFileOf(file))) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    const saved = JSON.parse(readFileSync(stateFileOf(file), 'utf8')) as { next: number; finished: boolean };
    expect(saved.finished).toBe(false);
    const out = await new Promise<string>((resolve, reject) => {
      const again = spawn(process.execPath, [cli, '--url', stack.workerUrl, '--file', file, '--no-progress'], { env: environment });
      let text = '';
      again.stdout.on('data', (d) => (text += d));
      again.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`))));
    });
    const [, accepted, duplicate, refused] = /accepted (\d+), duplicate (\d+), refused (\d+)/.exec(out)!.map(Number);
    expect(refused).toBe(0);
    expect(accepted! + duplicate!).toBe(2500);
    expect(duplicate).toBeLessThanOrEqual(500);
  }, 120_000);
});
