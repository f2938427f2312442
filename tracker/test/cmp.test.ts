// data-consent="gcm" | "tcf" (s.cmp.js): consent read from a stub consent tool's signals.
import { describe, expect, it } from 'vitest';
import { fire, load, storageOf, useHarness } from './harness';

useHarness();

const nothingStored = (p: { win: any }) => {
  expect(storageOf(p.win)).toEqual({});
  expect(p.win.document.cookie).toBe('');
};

/** gtag.js as Google documents it: gtag() pushes its arguments onto dataLayer. */
const gtag = (w: any) => {
  w.dataLayer = w.dataLayer || [];
  // gtag pushes its arguments object itself, not an array (what the tracker reads from dataLayer).
  w.gtag = function (..._: unknown[]) {
    // biome-ignore lint/complexity/noArguments: gtag's real stub pushes `arguments`, which the tracker must accept
    w.dataLayer.push(arguments);
  };
};
const states = (v: 'granted' | 'denied', extra: Record<string, string> = {}) => ({
  ad_storage: v,
  analytics_storage: v,
  ad_user_data: v,
  ad_personalization: v,
  ...extra,
});

describe('Google Consent Mode v2 (data-consent="gcm")', () => {
  const gcm = { consent: 'gcm' };

  it('holds everything while the default is denied, and sends it once the update grants', async () => {
    const p = await load({ attrs: gcm, before: (w) => (gtag(w), w.gtag('consent', 'default', states('denied')), w.dataLayer.push({ event: 'gtm.js' })) });
    p.smEdge('newsletter', { email: 'a@b.pl' });
    fire(p.win, p.win, 'pagehide');
    await p.settle();
    expect(p.events()).toEqual([]);
    nothingStored(p);
    p.win.gtag('consent', 'update', states('granted'));
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit', 'newsletter']);
    expect(storageOf(p.win).sm_v).toBe(p.posts[0]!.u);
  });

  it('drops what it held on an update that refuses, and sends nothing after', async () => {
    const p = await load({ attrs: gcm, before: (w) => (gtag(w), w.gtag('consent', 'default', states('denied'))) });
    p.smEdge('newsletter', { email: 'a@b.pl' });
    await p.settle();
    p.win.gtag('consent', 'update', states('granted', { analytics_storage: 'denied' }));
    p.smEdge('survey', { email: 'a@b.pl' });
    await p.settle();
    p.smEdge('login', { token: 't' });
    fire(p.win, p.win, 'pagehide');
    await p.settle();
    expect(p.events()).toEqual([]);
    nothingStored(p);
    // A later grant (the visitor changed their mind) sends from then on.
    p.win.gtag('consent', 'update', { analytics_storage: 'granted' });
    await p.settle();
    p.smEdge('login', { token: 't' });
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['login']);
  });

  it('sends at once when the consent tool granted before the tracker loaded (a returning visitor)', async () => {
    const p = await load({
      attrs: gcm,
      before: (w) => (gtag(w), w.gtag('consent', 'default', states('denied')), w.gtag('consent', 'update', states('granted'))),
    });
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
  });

  it('needs ad_storage, analytics_storage and ad_user_data all granted', async () => {
    for (const missing of ['ad_storage', 'analytics_storage', 'ad_user_data']) {
      const p = await load({ attrs: gcm, before: (w) => (gtag(w), w.gtag('consent', 'update', states('granted', { [missing]: 'denied' }))) });
      await p.settle();
      expect(p.events()).toEqual([]);
    }
  });

  it('whatever else dataLayer holds (null, strings, GTM events) neither throws nor stops it', async () => {
    const errors: unknown[] = [];
    const p = await load({ attrs: gcm, before: (w) => (gtag(w), w.dataLayer.push(null, 'x', { event: 'gtm.js' }, ['consent'])) });
    p.win.addEventListener('error', (e: unknown) => errors.push(e));
    await p.settle();
    p.win.gtag('consent', 'update', states('granted'));
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
    expect(errors).toEqual([]);
  });

  it('without any consent call in dataLayer it holds (no decision yet)', async () => {
    const p = await load({ attrs: gcm });
    p.smEdge('login', { token: 't' });
    await p.settle();
    expect(p.events()).toEqual([]);
    nothingStored(p);
  });
});

/** A CMP's __tcfapi with addEventListener, which calls back now and on each later change. */
const tcf = (initial: Record<string, unknown> | null) => {
  const listeners: ((tc: unknown, ok: boolean) => void)[] = [];
  const cmp = {
    listeners,
    install: (w: any) => {
      w.__tcfapi = (command: string, version: number, cb: (tc: unknown, ok: boolean) => void) => {
        if (command !== 'addEventListener' || version !== 2) return;
        listeners.push(cb);
        if (initial) cb(initial, true);
      };
    },
    emit: (tc: Record<string, unknown>) => {
      for (const cb of listeners) cb(tc, true);
    },
  };
  return cmp;
};
const tcData = (eventStatus: string, consents: Record<number, boolean>, extra: Record<string, unknown> = {}) => ({
  tcString: 'CP…',
  eventStatus,
  gdprApplies: true,
  purpose: { consents, legitimateInterests: {} },
  publisher: { consents: {}, legitimateInterests: {} },
  ...extra,
});

describe('IAB TCF v2.2 (data-consent="tcf")', () => {
  const attrs = { consent: 'tcf' };

  it('holds while the CMP shows its UI, and sends once purposes 1, 3 and 4 are consented', async () => {
    const cmp = tcf(tcData('cmpuishown', {}));
    const p = await load({ attrs, before: cmp.install });
    p.smEdge('newsletter', { email: 'a@b.pl' });
    await p.settle();
    expect(p.events()).toEqual([]);
    nothingStored(p);
    cmp.emit(tcData('useractioncomplete', { 1: true, 2: true, 3: true, 4: true }));
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit', 'newsletter']);
    expect(cmp.listeners).toHaveLength(1); // registered once, not on every tick
  });

  it('drops what it held when the visitor refuses any of them', async () => {
    const cmp = tcf(tcData('cmpuishown', {}));
    const p = await load({ attrs, before: cmp.install });
    p.smEdge('newsletter', { email: 'a@b.pl' });
    await p.settle();
    cmp.emit(tcData('useractioncomplete', { 1: true, 3: true, 4: false }));
    p.smEdge('login', { token: 't' });
    fire(p.win, p.win, 'pagehide');
    await p.settle();
    expect(p.events()).toEqual([]);
    nothingStored(p);
  });

  it("a stored TC string (tcloaded) decides at once; the publisher's own consents count too", async () => {
    const granted = tcf(tcData('tcloaded', {}, { publisher: { consents: { 1: true, 3: true, 4: true } } }));
    const p = await load({ attrs, before: granted.install });
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
    const refused = tcf(tcData('tcloaded', { 1: true }));
    const q = await load({ attrs, before: refused.install });
    await q.settle();
    expect(q.events()).toEqual([]);
  });

  it('sends when TCF does not apply to the visitor (gdprApplies false)', async () => {
    const cmp = tcf(tcData('tcloaded', {}, { gdprApplies: false }));
    const p = await load({ attrs, before: cmp.install });
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
  });

  it('finds a CMP that loads after the tracker', async () => {
    const cmp = tcf(tcData('tcloaded', { 1: true, 3: true, 4: true }));
    const p = await load({ attrs });
    await p.settle();
    expect(p.events()).toEqual([]);
    cmp.install(p.win);
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit']);
  });
});
