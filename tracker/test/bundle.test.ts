// @vitest-environment node
// Builds the bundle as `npm run build` does (in memory), holds it to its size budget, and runs it.
import { gzipSync } from 'node:zlib';
import { rollup, type OutputAsset, type OutputChunk } from 'rollup';
import { Window } from 'happy-dom';
import { describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- the rollup config is plain JS without types
import config from '../../rollup.config.mjs';

/** gzip -9 of dist/s.js must not exceed this. */
const BUDGET = 1500;

let built: Promise<(OutputChunk | OutputAsset)[]> | undefined;
const build = () => (built ??= generate());
const generate = async () => {
  const bundle = await rollup({ ...config, onwarn: () => {} });
  const { output } = await bundle.generate(config.output);
  await bundle.close();
  return output;
};

describe('dist/s.js', () => {
  it(`is at most ${BUDGET} B gzip -9`, { timeout: 60_000 }, async () => {
    const output = await build();
    const js = output.find((o): o is OutputChunk => o.type === 'chunk' && o.fileName === 's.js')!;
    const gz = gzipSync(js.code, { level: 9 }).length;
    expect(gz).toBeGreaterThan(500); // the real bundle, not an empty one
    expect(gz).toBeLessThanOrEqual(BUDGET);
  });

  it('comes with dist/_headers for Cloudflare static assets', { timeout: 60_000 }, async () => {
    const output = await build();
    const headers = output.find((o): o is OutputAsset => o.fileName === '_headers')!;
    expect(String(headers.source)).toBe(
      '/s.js\n  Cache-Control: public, max-age=3600, stale-while-revalidate=86400\n  Access-Control-Allow-Origin: *\n',
    );
  });

  it('starts from its own <script> element and sends a Visit to that origin', { timeout: 60_000 }, async () => {
    const output = await build();
    const js = output.find((o): o is OutputChunk => o.type === 'chunk' && o.fileName === 's.js')!;
    const win: any = new Window({ url: 'https://shop.example/koszyk?email=a@b.pl' });
    Object.defineProperty(win.navigator, 'webdriver', { value: false });
    const bodies: string[] = [];
    win.fetch = vi.fn(async (url: string | URL, init: RequestInit) => {
      expect(String(url)).toBe('https://collector.example/e');
      bodies.push(init.body as string);
      return new Response('{"accepted":2,"rejected":[]}', { status: 202 });
    });
    const script = win.document.createElement('script');
    script.src = 'https://collector.example/s.js';
    script.setAttribute('data-cart-path', '/koszyk');
    Object.defineProperty(win.document, 'currentScript', { value: script });
    // As a browser runs it: in the page's global scope.
    win.eval(js.code);
    win.smEdge('login', { token: 't' });
    await new Promise((r) => setTimeout(r, 800));
    expect(bodies).toHaveLength(1);
    const sent = JSON.parse(bodies[0]!);
    expect(sent).toMatchObject({ v: 2, p: '/koszyk' });
    expect(sent.e.map((e: any) => e.k)).toEqual(['visit', 'login']);
    expect(sent.e[0].u).toBe('https://shop.example/koszyk?'); // the e-mail gone; the collector tidies the "?"
    await win.happyDOM.close();
  });
});
