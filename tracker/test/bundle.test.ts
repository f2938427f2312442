// @vitest-environment node
// Builds every variant as `npm run build` does (in memory), holds the default to its size budget,
// and runs them as a browser does.
import { gzipSync } from 'node:zlib';
import type { OutputAsset } from 'rollup';
import { Window } from 'happy-dom';
import { describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- the rollup config is plain JS without types
import { VARIANTS } from '../../rollup.config.mjs';
import { buildAll, codeOf as code } from './build';

/** gzip -9 of dist/s.js must not exceed this. */
const BUDGET = 1500;

/** A happy-dom page that runs each given bundle from a <script src> (as a browser does: in the
 *  page's global scope), with a recording fetch. */
async function page(
  scripts: { code: string; src: string; attrs?: Record<string, string> }[],
  url = 'https://shop.example/koszyk?email=a@b.pl',
  before?: (win: any) => void,
) {
  // Scripts the tracker adds (m.js) are not fetched.
  const win: any = new Window({ url, settings: { disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true } });
  Object.defineProperty(win.navigator, 'webdriver', { value: false });
  const posts: { url: string; body: any }[] = [];
  win.fetch = vi.fn(async (to: string | URL, init: RequestInit) => {
    posts.push({ url: String(to), body: JSON.parse(init.body as string) });
    return new Response('{"accepted":1,"rejected":[]}', { status: 202 });
  });
  before?.(win);
  for (const s of scripts) {
    const script = win.document.createElement('script');
    script.src = s.src;
    for (const [k, v] of Object.entries(s.attrs ?? {})) script.setAttribute(`data-${k}`, v);
    Object.defineProperty(win.document, 'currentScript', { value: script, configurable: true });
    win.eval(s.code);
  }
  return { win, posts, events: () => posts.flatMap((p) => p.body.e) };
}

describe('dist/s.js and its variants', () => {
  it(`s.js is at most ${BUDGET} B gzip -9`, { timeout: 60_000 }, async () => {
    const gz = gzipSync(await code('s.js'), { level: 9 }).length;
    expect(gz).toBeGreaterThan(500); // the real bundle, not an empty one
    expect(gz).toBeLessThanOrEqual(BUDGET);
  });

  it("each variant is built, and only s.cmp.js and s.full.js carry the consent tools' signals, only s.full.js the product markup and monitoring code", {
    timeout: 60_000,
  }, async () => {
    expect(VARIANTS.map((v: { file: string }) => v.file)).toEqual(['s.js', 's.cmp.js', 's.full.js']);
    for (const [file, cmp, full] of [
      ['s.js', false, false],
      ['s.cmp.js', true, false],
      ['s.full.js', true, true],
    ] as const) {
      const js = await code(file);
      for (const word of ['__tcfapi', 'dataLayer']) expect(js.includes(word), `${file} ${word}`).toBe(cmp);
      for (const word of ['ld+json', 'smMonitoring', 'DOMContentLoaded']) expect(js.includes(word), `${file} ${word}`).toBe(full);
    }
  });

  it('s.full.js: the Visit of a page with Product JSON-LD carries it, and data-sm-monitoring adds m.js once the batch is answered', {
    timeout: 60_000,
  }, async () => {
    const p = await page(
      [{ code: await code('s.full.js'), src: 'https://collector.example/_x/s.full.js', attrs: { 'sm-monitoring': '' } }],
      'https://shop.example/p/1',
      (win) => {
        const ld = win.document.createElement('script');
        ld.type = 'application/ld+json';
        ld.textContent = JSON.stringify({ '@type': 'Product', sku: 'K-1', name: 'Kubek', offers: { price: 9 } });
        win.document.body.append(ld);
      },
    );
    await new Promise((r) => setTimeout(r, 1300));
    expect(p.events()).toMatchObject([{ k: 'visit', products: [{ id: 'K-1', name: 'Kubek', price: 9 }] }]);
    expect([...p.win.document.querySelectorAll('script[src]')].map((s: any) => s.src)).toContain('https://collector.example/_x/m.js');
    await p.win.happyDOM.close();
  });

  it('comes with dist/_headers for Cloudflare static assets, one rule per variant', { timeout: 60_000 }, async () => {
    const headers = (await buildAll()).get('s.js')!.find((o): o is OutputAsset => o.fileName === '_headers')!;
    const rule = (f: string) => `/${f}\n  Cache-Control: public, max-age=3600, stale-while-revalidate=86400\n  Access-Control-Allow-Origin: *\n`;
    expect(String(headers.source)).toBe(rule('s.js') + rule('s.cmp.js') + rule('s.full.js'));
  });

  it('starts from its own <script> element and sends a Visit to that origin', { timeout: 60_000 }, async () => {
    const p = await page([{ code: await code('s.js'), src: 'https://collector.example/s.js', attrs: { 'cart-path': '/koszyk' } }]);
    p.win.smEdge('login', { token: 't' });
    await new Promise((r) => setTimeout(r, 800));
    expect(p.posts).toHaveLength(1);
    expect(p.posts[0]!.url).toBe('https://collector.example/e');
    expect(p.posts[0]!.body).toMatchObject({ v: 2, p: '/koszyk' });
    expect(p.events().map((e: any) => e.k)).toEqual(['visit', 'login']);
    expect(p.events()[0].u).toBe('https://shop.example/koszyk?'); // the e-mail gone; the collector tidies the "?"
    await p.win.happyDOM.close();
  });

  it("first-party: loaded from the shop's own origin under a prefix, it posts beside itself", { timeout: 60_000 }, async () => {
    for (const file of ['s.js', 's.cmp.js', 's.full.js']) {
      const p = await page([{ code: await code(file), src: `https://shop.example/_e/${file}?v=3` }]);
      await new Promise((r) => setTimeout(r, 800));
      expect(p.posts.map((x) => x.url)).toEqual(['https://shop.example/_e/e']);
      await p.win.happyDOM.close();
    }
  });

  it('loaded twice on one page (twice s.js, or s.js and s.cmp.js) it counts once', { timeout: 60_000 }, async () => {
    const js = await code('s.js');
    for (const second of [js, await code('s.cmp.js')]) {
      const p = await page([
        { code: js, src: 'https://collector.example/s.js' },
        { code: second, src: 'https://collector.example/s.js' },
      ]);
      p.win.smEdge('newsletter', { email: 'a@b.pl' });
      p.win.history.pushState({}, '', '/b');
      await new Promise((r) => setTimeout(r, 800));
      expect(p.events().map((e: any) => e.k)).toEqual(['visit', 'newsletter', 'visit']);
      await p.win.happyDOM.close();
    }
  });
});
