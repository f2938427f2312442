import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { PLATFORMS } from '../platforms/index.ts';

describe('GET /health', () => {
  it('answers ok with no problems under the local configuration', async () => {
    const res = await exports.default.fetch('http://sm-edge.test/health');
    expect(res.status).toBe(200);
    const body = await res.json<{ ok: boolean; configured: boolean; problems: string[]; platformSignatures: Record<string, string> }>();
    // Storage may be shared with other test files (the quick loop runs without isolation), and some
    // of them leave a platform secret mismatched on purpose: only those secrets may be named.
    const mismatched = PLATFORMS.filter((p) => body.platformSignatures[p.name] === 'mismatch').map((p) => p.secretName);
    expect(body).toMatchObject({ ok: true, configured: mismatched.length === 0, problems: mismatched });
  });
});

describe('readConfig', () => {
  const base = {} as Env;
  it('names every missing value', () => {
    const names = readConfig(base).problems.map((p) => p.name);
    for (const name of [
      'SALESMANAGO_ENDPOINT',
      'SALESMANAGO_CLIENT_ID',
      'SALESMANAGO_API_SECRET',
      'SALESMANAGO_OWNER',
      'SHOP_DOMAINS',
      'SHOP_API_SECRET',
      'CALLBACK_SECRET',
      'ADMIN_PASSWORD',
    ])
      expect(names).toContain(name);
  });

  it('names malformed values with what is wrong', () => {
    const config = readConfig({
      ...base,
      SALESMANAGO_ENDPOINT: 'http://app3.salesmanago.com/api',
      SALESMANAGO_CLIENT_ID: 'has spaces',
      SALESMANAGO_API_SECRET: 'short',
      SALESMANAGO_OWNER: 'not-an-email',
      SALESMANAGO_LOCATION: '9bad location',
      SHOP_DOMAINS: 'shop.example.com, not a domain',
      SHOP_API_SECRET: 'x',
      DOUBLE_OPT_IN: 'true',
    });
    const byName = Object.fromEntries(config.problems.map((p) => [p.name, p.problem]));
    expect(byName.SALESMANAGO_ENDPOINT).toMatch(/https/);
    expect(byName.SALESMANAGO_CLIENT_ID).toMatch(/client ID/);
    expect(byName.SALESMANAGO_API_SECRET).toMatch(/short/);
    expect(byName.SALESMANAGO_OWNER).toMatch(/e-mail/);
    expect(byName.SALESMANAGO_LOCATION).toMatch(/start with a letter/);
    expect(byName.SHOP_DOMAINS).toMatch(/"not a domain"/);
    expect(byName.SHOP_API_SECRET).toMatch(/at least 16/);
    expect(byName.DOUBLE_OPT_IN_EMAIL_ID).toMatch(/required/);
    expect(config.salesmanago).toBeNull();
  });

  it('normalises tags and derives a location from the first domain', () => {
    const config = readConfig({ ...base, SHOP_DOMAINS: 'Sklep.Example.pl', TAGS_NEWSLETTER: ' newsletter signup , promo,' });
    expect(config.tags.newsletter).toEqual(['NEWSLETTER_SIGNUP', 'PROMO']);
    expect(config.location).toBe('sklep_example_pl');
  });
});
