import { describe, expect, it } from 'vitest';
import { CONFIG_NAMES, readConfig, type ConfigVars } from './config.ts';
import { SETTINGS, WRANGLER_SETTINGS } from './settings/fields.ts';
import { problemText } from './setup/i18n.ts';

const good: ConfigVars = {
  SALESMANAGO_ENDPOINT: 'https://app3.salesmanago.com',
  SALESMANAGO_CLIENT_ID: 'abc123',
  SALESMANAGO_API_SECRET: 'secret-secret',
  SALESMANAGO_OWNER: 'owner@example.com',
  SHOP_DOMAINS: 'shop.example.pl',
  SHOP_API_SECRET: 'x'.repeat(16),
  CALLBACK_SECRET: 'y'.repeat(8),
  ADMIN_PASSWORD: 'z'.repeat(8),
};

describe('readConfig', () => {
  it('a complete configuration has no problems', () => {
    const config = readConfig(good);
    expect(config.problems).toEqual([]);
    expect(config.salesmanago).toMatchObject({ clientId: 'abc123', timeoutMs: 30_000 });
  });

  it('names each required value its rule refuses, in the order of the page, and treats it as unset', () => {
    const config = readConfig({
      ...good,
      SALESMANAGO_CLIENT_ID: 'a-b',
      SALESMANAGO_API_SECRET: 'short',
      SALESMANAGO_OWNER: 'nobody',
      SHOP_API_SECRET: 'x'.repeat(15),
      CALLBACK_SECRET: '',
    });
    expect(config.problems).toEqual([
      { name: 'SALESMANAGO_CLIENT_ID', problem: 'must be the short client ID from SALESmanago (letters and digits)' },
      { name: 'SALESMANAGO_API_SECRET', problem: 'is too short to be an API secret' },
      { name: 'SALESMANAGO_OWNER', problem: 'must be an e-mail address' },
      { name: 'SHOP_API_SECRET', problem: 'must be at least 16 characters long' },
      { name: 'CALLBACK_SECRET', problem: 'is not set' },
    ]);
    expect(config).toMatchObject({ salesmanago: null, shopApiSecret: null, callbackSecret: null });
  });

  it("names the wrangler-only knobs after the page's settings, each with its bounds", () => {
    const config = readConfig({ ...good, RETENTION_HELD_DAYS: '99', SALESMANAGO_TIMEOUT_MS: '10', DELIVERY_WINDOW_S: '1.5', BENCH_FLOOR: 'true' });
    expect(config.problems).toEqual([
      { name: 'RETENTION_HELD_DAYS', problem: 'must be from 1 to 30 days; using 30' },
      { name: 'SALESMANAGO_TIMEOUT_MS', problem: 'must be from 100 to 120000 milliseconds; using 100' },
      { name: 'DELIVERY_WINDOW_S', problem: 'must be a whole number of seconds (0 to 300); using 10' },
    ]);
    expect(config).toMatchObject({ deliveryWindowS: 10, benchFloor: true, salesmanago: { timeoutMs: 100 }, catalog: { timeoutMs: 100 } });
  });

  it('the shard count is a multiple of the ledger databases: otherwise the nearest multiple below it is used, and named', () => {
    expect(readConfig({ ...good, LEDGER_DATABASES: '2', DELIVERY_SHARDS: '4' })).toMatchObject({ ledgerDatabases: 2, deliveryShards: 4, problems: [] });
    const odd = readConfig({ ...good, LEDGER_DATABASES: '2', DELIVERY_SHARDS: '5' });
    expect(odd).toMatchObject({ ledgerDatabases: 2, deliveryShards: 4 });
    expect(odd.problems).toEqual([{ name: 'DELIVERY_SHARDS', problem: 'is not a multiple of LEDGER_DATABASES (2): 4 used' }]);
    expect(problemText('pl', odd.problems[0]!.problem)).toBe('nie jest wielokrotnością LEDGER_DATABASES (2): używane: 4');
    expect(readConfig({ ...good, LEDGER_DATABASES: '4' })).toMatchObject({ ledgerDatabases: 4, deliveryShards: 4 });
    expect(readConfig(good)).toMatchObject({ ledgerDatabases: 1, deliveryShards: 1 });
  });

  it('applies the rule on each entry of settings/fields.ts: its bounds and message, named in Polish on /setup too', () => {
    const entries = [...SETTINGS, ...WRANGLER_SETTINGS];
    let checked = 0;
    for (const { name, rule } of entries) {
      if (rule?.kind === 'whole') {
        // (Its own problem: a bound may make another value's, as LEDGER_DATABASES does DELIVERY_SHARDS'.)
        const over = readConfig({ ...good, [name]: String(rule.max + 1) }).problems.filter((p) => p.name === name);
        const unit = rule.unit ? ` ${rule.unit}` : '';
        expect(over).toEqual([{ name, problem: `must be from ${rule.min} to ${rule.max}${unit}; using ${rule.max}` }]);
        const notWhole = readConfig({ ...good, [name]: '2.5' }).problems;
        expect(notWhole).toEqual([
          { name, problem: `must be a whole number${rule.unit ? ` of ${rule.unit}` : ''} (${rule.min} to ${rule.max}); using ${rule.default}` },
        ]);
        for (const p of [...over, ...notWhole]) expect(problemText('pl', p.problem)).toMatch(/^musi być /);
      } else if (rule?.kind === 'required') {
        expect(readConfig({ ...good, [name]: '' }).problems).toContainEqual({ name, problem: 'is not set' });
      } else if (rule?.kind === 'format') {
        // Optional: unset is no problem; a value the entry's check refuses is named with its message, in Polish too.
        expect(readConfig({ ...good, [name]: '' }).problems).toEqual([]);
        const refused = readConfig({ ...good, [name]: '/ \u0000' }).problems.filter((p) => p.name === name);
        expect(refused).toEqual([{ name, problem: rule.check('/ \u0000') }]);
        expect(problemText('pl', refused[0]!.problem)).not.toBe(refused[0]!.problem);
      } else continue;
      checked++;
    }
    // 7 required (the connection, the three secrets), 6 days (retention, cart links), 5 wrangler-only
    // knobs (timeout, retry base, window, delivery shards, ledger databases), 8 formats (location, catalog id, API v3 address, snippet consent, public path, worker
    // address, cart-rebuild URL, shop webhook).
    expect(checked).toBe(26);
    expect(readConfig({ ...good, DELIVERY_RETRY_BASE_S: '0' })).toMatchObject({ retryBaseS: 1, problems: [{ name: 'DELIVERY_RETRY_BASE_S' }] });
  });

  it('every setting of the page, and every wrangler-only one, is a configuration name', () => {
    for (const field of [...SETTINGS, ...WRANGLER_SETTINGS]) expect(CONFIG_NAMES).toContain(field.name);
  });
});
