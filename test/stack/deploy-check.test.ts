// `npm run deploy:check` checks what it says: placeholder ids and invalid vars fail it by name, and
// with --url it names every problem the deployed worker's /health reports.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './processes.ts';

function check(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['test/stack/deploy-check.ts', ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

describe('npm run deploy:check', () => {
  it("passes the repository's wrangler.toml and lists, by name, what is still to be set", async () => {
    const { code, out } = await check([]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/SALESMANAGO_API_SECRET +not in wrangler.toml: enter it on \/setup/);
    expect(out).toContain('npx wrangler secret put ADMIN_PASSWORD');
    expect(out).toContain('npx wrangler secret put SETTINGS_KEY');
    expect(out).toMatch(/WORKER_URL +not in wrangler.toml/);
  });

  it('refuses every secret in plain text under [vars], naming each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-edge-check-'));
    const config = join(dir, 'wrangler.toml');
    const secrets = [
      'SALESMANAGO_API_SECRET',
      'SHOP_API_SECRET',
      'CALLBACK_SECRET',
      'ADMIN_PASSWORD',
      'SETTINGS_KEY',
      'WOOCOMMERCE_WEBHOOK_SECRET',
      'SHOPIFY_WEBHOOK_SECRET',
    ];
    writeFileSync(
      config,
      `name = "x"\nmain = "${join(ROOT, 'worker/index.ts')}"\ncompatibility_date = "2026-11-01"\n` +
        `[vars]\nWORKER_URL = "https://sm.example.com"\n${secrets.map((s) => `${s} = "a-long-enough-secret-value-0123456789"`).join('\n')}\n`,
    );
    const { code, out } = await check(['--config', config]);
    expect(code, out).toBe(1);
    for (const name of secrets) expect(out).toContain(`${name} is in plain text in wrangler.toml [vars]`);
    expect(out).not.toMatch(/WORKER_URL +not in wrangler.toml/);
    expect(out).not.toContain('a-long-enough-secret-value');
  });

  it('fails on placeholder ids and invalid vars, naming each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-edge-check-'));
    const config = join(dir, 'wrangler.toml');
    writeFileSync(
      config,
      `name = "x"\nmain = "${join(ROOT, 'worker/index.ts')}"\ncompatibility_date = "2026-11-01"\n` +
        `[vars]\nSALESMANAGO_OWNER = "not-an-email"\nSALESMANAGO_CLIENT_ID = "client01"\n` +
        `[[kv_namespaces]]\nbinding = "CONSENTS"\nid = "00000000000000000000000000000000"\n`,
    );
    const { code, out } = await check(['--config', config]);
    expect(code).toBe(1);
    expect(out).toContain('kv_namespaces CONSENTS: id is a placeholder');
    expect(out).toContain('SALESMANAGO_OWNER (in wrangler.toml [vars]) must be an e-mail address');
    expect(out).toMatch(/SALESMANAGO_CLIENT_ID +set in wrangler.toml/);
  });

  it("names an operator's knob it cannot use (they are parsed with the same rules as every setting)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-edge-check-'));
    const config = join(dir, 'wrangler.toml');
    writeFileSync(
      config,
      `name = "x"\nmain = "${join(ROOT, 'worker/index.ts')}"\ncompatibility_date = "2026-11-01"\n` +
        `[vars]\nDELIVERY_WINDOW_S = "soon"\nSALESMANAGO_TIMEOUT_MS = "2000"\n`,
    );
    const { code, out } = await check(['--config', config]);
    expect(code, out).toBe(1);
    expect(out).toContain('DELIVERY_WINDOW_S (in wrangler.toml [vars]) must be a whole number of seconds (0 to 300); using 10');
    expect(out).not.toContain('SALESMANAGO_TIMEOUT_MS (in wrangler.toml [vars])');
  });

  it('names the ledger databases and delivery queues the counts need and wrangler.toml does not declare', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-edge-check-'));
    const config = join(dir, 'wrangler.toml');
    writeFileSync(
      config,
      `name = "x"\nmain = "${join(ROOT, 'worker/index.ts')}"\ncompatibility_date = "2026-11-01"\n` +
        `[[d1_databases]]\nbinding = "LEDGER"\ndatabase_name = "l0"\n[[d1_databases]]\nbinding = "LEDGER_1"\ndatabase_name = "l1"\n` +
        `[[queues.producers]]\nbinding = "EVENTS"\nqueue = "q"\n[[queues.producers]]\nbinding = "EVENTS_1"\nqueue = "q-1"\n` +
        `[vars]\nLEDGER_DATABASES = "3"\nDELIVERY_SHARDS = "3"\n`,
    );
    const { code, out } = await check(['--config', config]);
    expect(code, out).toBe(1);
    expect(out).toContain('LEDGER_DATABASES is 3, but wrangler.toml declares no d1_databases LEDGER_2');
    expect(out).not.toContain('no d1_databases LEDGER_1');
    expect(out).toContain('DELIVERY_SHARDS is 3, but wrangler.toml declares no queue producer EVENTS_2');
  });

  it('with --url, names the problems the deployed worker reports', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: true, configured: false, problems: ['SALESMANAGO_API_SECRET is not set', 'SHOP_DOMAINS is not set'] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { code, out } = await check(['--url', url]);
      expect(code).toBe(1);
      expect(out).toContain(`${url}: SALESMANAGO_API_SECRET is not set`);
      expect(out).toContain(`${url}: SHOP_DOMAINS is not set`);
    } finally {
      server.close();
    }
  });
});
