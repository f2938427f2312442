import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { generateSecret, open, seal } from './crypto.ts';
import { defaultConsentMode, SETTINGS } from './fields.ts';
import { applySettingsForm } from './form.ts';
import { mergeSettings, sourceOf, type StoredSetting } from './merge.ts';

const stored = (entries: Record<string, string | null>) =>
  new Map<string, StoredSetting>(Object.entries(entries).map(([k, v]) => [k, { value: v, updatedAt: 1 }]));

describe('settings encryption', () => {
  const keyed = { ADMIN_PASSWORD: 'local-only-admin', SETTINGS_KEY: 'a-random-settings-key-0123456789' } as Env;
  const passwordOnly = { ADMIN_PASSWORD: 'local-only-admin' } as Env;

  it('seals with AES-GCM so that the value is not in the stored text, and opens it again', async () => {
    for (const e of [keyed, passwordOnly]) {
      const sealed = await seal(e, 'SALESMANAGO_API_SECRET', 'the-api-secret-42');
      expect(sealed).toMatch(/^v1\.[kp]\.[\w-]+\.[\w-]+$/);
      expect(sealed).not.toContain('the-api-secret-42');
      expect(await open(e, 'SALESMANAGO_API_SECRET', sealed)).toBe('the-api-secret-42');
    }
    // Two seals of one value differ (random IV).
    expect(await seal(keyed, 'X', 'same')).not.toBe(await seal(keyed, 'X', 'same'));
  });

  it('uses SETTINGS_KEY when set, and still opens values sealed under ADMIN_PASSWORD before it was set', async () => {
    expect((await seal(keyed, 'X', 'v')).split('.')[1]).toBe('k');
    const old = await seal(passwordOnly, 'X', 'v');
    expect(old.split('.')[1]).toBe('p');
    expect(await open(keyed, 'X', old)).toBe('v');
  });

  it('refuses a value moved to another field, tampered with, or under a changed key', async () => {
    const sealed = await seal(keyed, 'SHOP_API_SECRET', 'shop-secret-value-1234');
    expect(await open(keyed, 'CALLBACK_SECRET', sealed)).toBeNull();
    const parts = sealed.split('.');
    const flipped = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
    expect(await open(keyed, 'SHOP_API_SECRET', [...parts.slice(0, 3), flipped].join('.'))).toBeNull();
    expect(await open({ ...keyed, SETTINGS_KEY: 'another-settings-key-9876543210' }, 'SHOP_API_SECRET', sealed)).toBeNull();
  });

  it('generates 32-character secrets that pass the secret rules', () => {
    const a = generateSecret();
    expect(a).toMatch(/^[\w-]{32}$/);
    expect(a).not.toBe(generateSecret());
  });
});

describe('merged settings', () => {
  const raw = { ADMIN_PASSWORD: 'local-only-admin', SALESMANAGO_CLIENT_ID: 'fromwrangler' } as Env;

  it('a wrangler value wins over a stored one; a stored one over the default', () => {
    const s = stored({ SALESMANAGO_CLIENT_ID: 'fromstore', SALESMANAGO_OWNER: 'o@shop.example', TAGS_NEWSLETTER: '{"on":true,"tags":"NL"}' });
    const merged = mergeSettings(raw, s);
    expect(merged.SALESMANAGO_CLIENT_ID).toBe('fromwrangler');
    expect(merged.SALESMANAGO_OWNER).toBe('o@shop.example');
    expect(merged.TAGS_NEWSLETTER).toBe('NL');
    expect(merged.TAGS_REGISTRATION).toBe('REGISTRATION');
    const field = (n: string) => SETTINGS.find((f) => f.name === n)!;
    expect(sourceOf(field('SALESMANAGO_CLIENT_ID'), raw, s)).toBe('wrangler');
    expect(sourceOf(field('SALESMANAGO_OWNER'), raw, s)).toBe('stored');
    expect(sourceOf(field('TAGS_REGISTRATION'), raw, s)).toBe('default');
  });

  it('a tag list switched off is empty for the worker but keeps its tags for the page', () => {
    const merged = mergeSettings(raw, stored({ TAGS_PURCHASE_GUEST: '{"on":false,"tags":"GUEST"}' }));
    expect(merged.TAGS_PURCHASE_GUEST).toBe('');
    expect(readConfig(merged).tags.purchaseGuest).toEqual([]);
  });

  it('defaults the snippet to data-consent="required" for EU (and unknown) shops', () => {
    expect(defaultConsentMode('sklep.example.pl')).toBe('required');
    expect(defaultConsentMode('shop.example.com')).toBe('required');
    expect(defaultConsentMode('')).toBe('required');
    expect(defaultConsentMode('shop.example.us, shop.example.ca')).toBe('none');
    expect(mergeSettings(raw, stored({ SHOP_DOMAINS: 'shop.example.us' })).SNIPPET_CONSENT).toBe('none');
    expect(readConfig(mergeSettings(raw, stored({ SHOP_DOMAINS: 'sklep.pl' }))).snippetConsent).toBe('required');
  });
});

describe('a save from the form', () => {
  const raw = { ADMIN_PASSWORD: 'local-only-admin', SHOP_DOMAINS: 'shop.example.pl' } as Env;

  it('stores what changed, ignores locked fields and empty secrets, and refuses invalid values by name', () => {
    const secret = stored({ SALESMANAGO_API_SECRET: 'a-saved-api-secret' });
    const ok = applySettingsForm(readConfig, raw, secret, {
      SALESMANAGO_ENDPOINT: 'https://app3.salesmanago.com',
      SALESMANAGO_CLIENT_ID: 'client01',
      SALESMANAGO_OWNER: 'owner@shop.example.pl',
      SALESMANAGO_API_SECRET: '',
      SHOP_DOMAINS: 'evil.example',
    });
    expect(ok.errors).toEqual([]);
    expect(ok.changes.map((c) => c.field.name).sort()).toEqual(['SALESMANAGO_CLIENT_ID', 'SALESMANAGO_ENDPOINT', 'SALESMANAGO_OWNER']);

    const bad = applySettingsForm(readConfig, raw, secret, {
      SALESMANAGO_CLIENT_ID: 'client01',
      SALESMANAGO_OWNER: 'not-an-email',
      SALESMANAGO_ENDPOINT: 'http://app3.salesmanago.com/api',
    });
    expect(bad.errors.map((e) => e.name).sort()).toEqual(['SALESMANAGO_ENDPOINT', 'SALESMANAGO_OWNER']);
    // The connection is four values or none: one left empty while another is set is refused by name.
    expect(applySettingsForm(readConfig, raw, new Map(), { SALESMANAGO_CLIENT_ID: 'client01' }).errors).toEqual([
      { name: 'SALESMANAGO_ENDPOINT', problem: 'is required' },
      { name: 'SALESMANAGO_API_SECRET', problem: 'is required' },
      { name: 'SALESMANAGO_OWNER', problem: 'is required' },
    ]);
    expect(applySettingsForm(readConfig, raw, new Map(), { SALESMANAGO_CLIENT_ID: '', SALESMANAGO_OWNER: '' }).errors).toEqual([]);
    expect(applySettingsForm(readConfig, raw, new Map(), { 'DOUBLE_OPT_IN.shown': '1', DOUBLE_OPT_IN: 'true' }).errors.map((e) => e.name)).toEqual([
      'DOUBLE_OPT_IN_EMAIL_ID',
    ]);
  });

  it('switches a tag list off and on, and posting the defaults back changes nothing', () => {
    const off = applySettingsForm(readConfig, raw, new Map(), { 'TAGS_PURCHASE_GUEST.shown': '1', TAGS_PURCHASE_GUEST: 'GUEST_PURCHASE' });
    expect(off.changes.map((c) => c.value)).toEqual(['{"on":false,"tags":"GUEST_PURCHASE"}']);
    const same = applySettingsForm(readConfig, raw, new Map(), {
      'TAGS_PURCHASE_GUEST.shown': '1',
      'TAGS_PURCHASE_GUEST.on': '1',
      TAGS_PURCHASE_GUEST: 'GUEST_PURCHASE',
      'DOUBLE_OPT_IN.shown': '1',
      SNIPPET_CONSENT: 'required',
    });
    expect(same.changes).toEqual([]);
  });

  it('generates, replaces and clears secrets', () => {
    const gen = applySettingsForm(readConfig, raw, new Map(), { 'SHOP_API_SECRET.generate': '1' });
    expect(gen.generated).toHaveLength(1);
    expect(gen.changes[0]?.value).toBe(gen.generated[0]?.value);
    const short = applySettingsForm(readConfig, raw, new Map(), { SHOP_API_SECRET: 'short' });
    expect(short.errors).toEqual([{ name: 'SHOP_API_SECRET', problem: 'must be at least 16 characters long' }]);
    const clear = applySettingsForm(readConfig, raw, stored({ CALLBACK_SECRET: 'callback-secret' }), { 'CALLBACK_SECRET.clear': '1' });
    expect(clear.changes.map((c) => [c.field.name, c.value])).toEqual([['CALLBACK_SECRET', null]]);
  });
});
