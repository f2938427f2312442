// @vitest-environment node
// Every built variant runs in every supported browser (docs/theme.md "Supported browsers"): it parses as
// ES2021, es-check finds no built-in newer than the browser list, and neither a RegExp lookbehind
// (ES2018, Safari 16.4) nor an unguarded newer web API is in it. The same check fails the build.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JS without types
import { BROWSERS, browserProblems, featureProblems } from '../browsers.mjs';
// @ts-expect-error -- plain JS without types
import { VARIANTS } from '../../rollup.config.mjs';
import { codeOf } from './build';

describe('supported browsers', () => {
  it('include iPhones a few years old (iOS 14, the oldest Safari in the list)', () => {
    expect(BROWSERS).toContain('ios_saf >= 14');
    expect(BROWSERS).toContain('safari >= 14');
  });

  for (const { file } of VARIANTS as { file: string }[]) {
    it(`dist/${file} passes the check for them`, { timeout: 60_000 }, async () => {
      expect(await browserProblems(file, await codeOf(file))).toEqual([]);
    });
  }
});

describe('the browser check', () => {
  it('refuses a RegExp lookbehind, in a literal or a string, which es-check at ES2021 lets through', async () => {
    const code = 'var a=/(?<=[?&])x/g;var b=new RegExp("(?<!y)z");';
    const problems: string[] = await browserProblems('x.js', code);
    expect(problems).toHaveLength(2);
    expect(problems.every((p) => p.includes('lookbehind'))).toBe(true);
  });

  it('refuses syntax newer than ES2021', async () => {
    const problems: string[] = await browserProblems('x.js', 'class A{#p=1;static{}}');
    expect(problems.join('\n')).toMatch(/es-check/);
  });

  it('refuses a built-in the browsers lack (es-check, Array.prototype.at: Safari 15.4)', async () => {
    const problems: string[] = await browserProblems('x.js', 'var a=[1,2].at(-1);var o=Object.hasOwn({},"x");');
    expect(problems.join('\n')).toMatch(/es-check/);
  });

  it('refuses a newer web API unless guarded as an optional call', () => {
    expect(featureProblems('structuredClone({});crypto.randomUUID()')).toHaveLength(2);
    expect(featureProblems('window.structuredClone?.({});crypto.randomUUID?.();navigator.sendBeacon("/e","")')).toEqual([]);
  });

  it('accepts what the tracker uses: ?., ??, ||=, spread, a regex without lookbehind', () => {
    expect(featureProblems('var a=b?.c??d;a||=1;var e={...a};/([?&#])x/gi.test(a)')).toEqual([]);
  });
});
