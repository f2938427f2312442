// data-sm-monitoring (s.full.js; the source has every flag on): SALESmanago's monitoring code is
// loaded from the collector's /m.js once storing is allowed and the first batch is answered, with
// _smclientid set for a known contact. The real sm.js request in Chromium: test/browser/monitoring.test.ts.
import { describe, expect, it } from 'vitest';
import { load, useHarness } from './harness';

useHarness();

const M = 'https://collector.example/m.js';
/** The scripts the tracker added (happy-dom is told not to fetch them). */
const added = (p: { doc: any }) => [...p.doc.querySelectorAll('script[src]')].map((s: any) => s.src);
const noFetch = (w: any) => {
  w.happyDOM.settings.disableJavaScriptFileLoading = true;
  w.happyDOM.settings.handleDisabledFileLoadingAsSuccess = true;
};

describe('monitoring code', () => {
  it('without data-consent: loaded after the first batch is answered, with _smclientid of the smclient cookie', async () => {
    const p = await load({ attrs: { 'sm-monitoring': '' }, cookie: 'smclient=c0ffee-12', before: noFetch });
    expect(added(p)).toEqual([]);
    await p.settle();
    await p.settle();
    expect(added(p)).toEqual([M]);
    expect(p.win._smclientid).toBe('c0ffee-12');
    await p.settle();
    expect(added(p)).toEqual([M]); // once
  });

  it('a contact the collector names in its answer is set as smclient before the code loads', async () => {
    const p = await load({
      attrs: { 'sm-monitoring': '' },
      before: noFetch,
      answer: () => new Response(JSON.stringify({ accepted: 1, rejected: [], contactId: 'abc-123' }), { status: 202 }),
    });
    await p.settle();
    await p.settle();
    expect(added(p)).toEqual([M]);
    expect(p.win._smclientid).toBe('abc-123');
    expect(p.doc.cookie).toContain('smclient=abc-123');
  });

  it('with data-consent="required": not before smEdge("consent", true), then loaded', async () => {
    const p = await load({ attrs: { 'sm-monitoring': '', consent: 'required' }, before: noFetch });
    for (let i = 0; i < 4; i++) await p.settle();
    expect(added(p)).toEqual([]);
    p.smEdge('consent', true);
    await p.settle();
    await p.settle();
    expect(added(p)).toEqual([M]);
    // No known contact: no _smclientid at all.
    expect('_smclientid' in p.win).toBe(false);
  });

  it('with data-consent="gcm": not while Consent Mode says denied, loaded once it is granted', async () => {
    const gtag = (w: any, ...a: unknown[]) => (w.dataLayer ||= []).push(a);
    const all = (v: string) => ({ ad_storage: v, analytics_storage: v, ad_user_data: v });
    const p = await load({ attrs: { 'sm-monitoring': '', consent: 'gcm' }, before: (w) => (noFetch(w), gtag(w, 'consent', 'default', all('denied'))) });
    for (let i = 0; i < 3; i++) await p.settle();
    expect(added(p)).toEqual([]);
    gtag(p.win, 'consent', 'update', all('granted'));
    await p.settle();
    await p.settle();
    expect(added(p)).toEqual([M]);
  });

  it('never after smEdge("consent", false), nor without data-sm-monitoring', async () => {
    const refused = await load({
      attrs: { 'sm-monitoring': '' },
      before: (w) => (noFetch(w), (w.smEdge = Object.assign(() => {}, { q: [['consent', false]] }))),
    });
    for (let i = 0; i < 3; i++) await refused.settle();
    expect(added(refused)).toEqual([]);
    const off = await load({ before: noFetch });
    for (let i = 0; i < 3; i++) await off.settle();
    expect(off.posts).toHaveLength(1);
    expect(added(off)).toEqual([]);
  });
});
