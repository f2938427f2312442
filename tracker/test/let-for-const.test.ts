// The build's const → let rewrite (rollup.config.mjs) touches declarations only: the word inside a
// string, a template, a property name or a comment is the page's data and must survive.
import { describe, expect, it } from 'vitest';
import { parseAst } from 'rollup/parseAst';
// @ts-expect-error: the rollup config is plain JavaScript without types.
import { letForConst } from '../../rollup.config.mjs';

const rewrite = (code: string): string => letForConst().renderChunk.call({ parse: parseAst }, code).code;

describe('the let-for-const build step', () => {
  it('rewrites declarations, including in loops and nested functions', () => {
    expect(rewrite('const a = 1; for (const x of [a]) { const f = () => { const y = x; return y; }; f(); }')).toBe(
      'let a = 1; for (let x of [a]) { let f = () => { let y = x; return y; }; f(); }',
    );
  });

  it('leaves the word alone everywhere else', () => {
    const code = 'let s = "const x"; let t = `a const b`; let o = { const: 1 }; o.const = 2; // const\n/* const */ let r = /const/;';
    expect(rewrite(code)).toBe(code);
  });
});
