// Builds the storefront tracker (tracker/src) into minified IIFEs, one per variant (build-time flags,
// tracker/src/flags.ts), served as static assets: dist/s.js (the default) and dist/s.cmp.js. Writes
// dist/_headers (Cloudflare static assets), checks every bundle against the supported browsers
// (tracker/browsers.mjs; the build fails otherwise) and prints each one's minified and gzip size.
import { gzipSync } from 'node:zlib';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { browserProblems } from './tracker/browsers.mjs';

/** Each variant: its file and its flags. s.js stays the default; a feature that does not fit its
 *  size budget goes into a variant the theme chooses by file name. */
export const VARIANTS = [
  { file: 's.js', flags: { CMP: false, VIEWS: false, MON: false } },
  // data-consent="gcm" | "tcf": Google Consent Mode v2 and IAB TCF v2.2 signals (tracker/src/cmp.ts).
  { file: 's.cmp.js', flags: { CMP: true, VIEWS: false, MON: false } },
  // Everything: s.cmp.js, product views from the page's Product JSON-LD (products.ts) and
  // data-sm-monitoring (monitoring.ts). docs/theme.md "Variants".
  { file: 's.full.js', flags: { CMP: true, VIEWS: true, MON: true } },
];

export const CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400';
const HEADERS = VARIANTS.map(
  (v) => `/${v.file}
  Cache-Control: ${CACHE_CONTROL}
  Access-Control-Allow-Origin: *
`,
).join('');

/** `const` and `let` mean the same in code that passed TypeScript, and `let` is two bytes shorter
 *  (terser keeps `const`). Done before terser, which then joins the declarations. Only the keyword of
 *  a declaration is rewritten, found in rollup's own syntax tree: the word in a string, a property
 *  name or a comment stays as it is. */
export const letForConst = () => ({
  name: 'let-for-const',
  renderChunk(code) {
    const starts = [];
    const walk = (node) => {
      if (!node || typeof node.type !== 'string') return;
      if (node.type === 'VariableDeclaration' && node.kind === 'const') starts.push(node.start);
      for (const value of Object.values(node)) {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value && typeof value === 'object') walk(value);
      }
    };
    walk(this.parse(code));
    let out = code;
    for (const start of starts.sort((a, b) => b - a)) out = `${out.slice(0, start)}let${out.slice(start + 5)}`;
    return { code: out, map: null };
  },
});

/** The variant's values of tracker/src/flags.ts; rollup and terser drop what a false flag guards. */
const flags = (values) => ({
  name: 'flags',
  load: (id) =>
    /tracker[\\/]src[\\/]flags\.ts$/.test(id)
      ? Object.entries(values)
          .map(([k, v]) => `export const ${k} = ${JSON.stringify(v)};`)
          .join('\n')
      : null,
});

/** Checks the bundle against the supported browsers, writes dist/_headers next to it (once) and
 *  reports its size. */
const staticAsset = (first) => ({
  name: 'static-asset',
  async generateBundle(_options, bundle) {
    if (first) this.emitFile({ type: 'asset', fileName: '_headers', source: HEADERS });
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue;
      const problems = await browserProblems(chunk.fileName, chunk.code);
      if (problems.length) this.error(`${chunk.fileName} does not run in every supported browser:\n  ${problems.join('\n  ')}`);
      const min = Buffer.byteLength(chunk.code);
      const gz = gzipSync(chunk.code, { level: 9 }).length;
      console.log(`${chunk.fileName}: ${min} B minified, ${gz} B gzip`);
    }
  },
});

export default VARIANTS.map((variant, i) => ({
  input: 'tracker/src/main.ts',
  output: { file: `dist/${variant.file}`, format: 'iife', strict: false, sourcemap: false, plugins: [staticAsset(i === 0)] },
  plugins: [
    flags(variant.flags),
    typescript({ tsconfig: 'tracker/tsconfig.build.json' }),
    letForConst(),
    terser({
      ecma: 2020,
      compress: { passes: 3, unsafe: true, unsafe_arrows: true, pure_getters: true },
      mangle: true,
      format: { comments: false },
    }),
  ],
}));
