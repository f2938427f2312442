// The browsers the storefront tracker supports (docs/theme.md "Supported browsers"), and the check that a
// built bundle runs in all of them. The build (rollup.config.mjs) fails when a bundle does not pass;
// tracker/test/browsers.test.ts runs the same check in `npm test`, and shows that it can fail.
//
// ES2021 is what all of these parse (logical assignment, ?., ??). Safari/iOS 14 (2020; iPhone 6s
// and later) is the oldest: iPhones a few years old run iOS 15-17.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const esCheck = require('es-check');
// The parser es-check itself uses.
const acorn = createRequire(require.resolve('es-check'))('acorn');

export const BROWSERS = 'chrome >= 85, edge >= 85, firefox >= 79, safari >= 14, ios_saf >= 14, samsung >= 14, opera >= 71';
const ES_VERSION = 'es2021';

/** Features of an older ES version than ES_VERSION that these browsers still lack, which neither a
 *  parse at ES_VERSION nor es-check's feature list catches: RegExp lookbehind is ES2018 but Safari
 *  only has it from 16.4, and a file holding one does not even parse there. The d (ES2022) and v
 *  (ES2024) flags are newer than the target; they are listed so a regex built from a string is
 *  caught too. */
const REGEX_FEATURES = [{ name: 'RegExp lookbehind (?<= / (?<! (Safari < 16.4)', test: (source) => /\(\?<[=!]/.test(source) }];
const REGEX_FLAGS = /[dv]/;

/** Web APIs outside the supported browsers (newer than their versions, or never in Safari/Firefox).
 *  The tracker may call one only behind a guard: as an optional call, `x?.()`. (ES built-ins are
 *  es-check's: --checkFeatures with the browser list.) */
const GUARDED_APIS = [
  'structuredClone', // Safari 15.4
  'randomUUID', // Safari 15.4
  'requestIdleCallback', // not in Safari 14-17
  'fetchLater', // Chromium only
  'timeout', // AbortSignal.timeout: Safari 16
  'userActivation', // Safari 16.4
  'showPicker', // Safari 16
  'groupBy', // Object.groupBy: Safari 17.4
  'withResolvers', // Promise.withResolvers: Safari 17.4
  'scheduler', // Chromium only
  'isWellFormed', // Safari 16.4
];

const walk = (node, visit, parent) => {
  if (!node || typeof node.type !== 'string') return;
  visit(node, parent);
  for (const key of Object.keys(node)) {
    const v = node[key];
    if (Array.isArray(v)) for (const c of v) walk(c, visit, node);
    else if (v && typeof v === 'object' && typeof v.type === 'string') walk(v, visit, node);
  }
};

const calleeName = (callee) =>
  callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' && !callee.computed ? callee.property.name : undefined;

/** Problems of `code` that es-check does not see: regex features and unguarded newer web APIs. */
export function featureProblems(code) {
  const problems = [];
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script' });
  walk(ast, (node) => {
    // A regex literal, or a string that may become one (new RegExp(s), s.match(s)).
    const source = node.regex ? node.regex.pattern : typeof node.value === 'string' ? node.value : node.type === 'TemplateElement' ? node.value.cooked : null;
    if (source != null) for (const f of REGEX_FEATURES) if (f.test(source)) problems.push(`${f.name} at ${node.start}: ${String(source).slice(0, 40)}`);
    if (node.regex && REGEX_FLAGS.test(node.regex.flags)) problems.push(`RegExp flag ${node.regex.flags} at ${node.start}`);
    if (node.type === 'CallExpression' || node.type === 'NewExpression') {
      const name = calleeName(node.callee);
      if (name && GUARDED_APIS.includes(name) && !node.optional) problems.push(`${name}() without a guard (x?.()) at ${node.start}`);
    }
  });
  return problems;
}

/** Every problem of a built bundle for the supported browsers: a parse at ES_VERSION, es-check's
 *  feature check against BROWSERS, and featureProblems. Empty when it runs in all of them. */
export async function browserProblems(fileName, code) {
  const dir = mkdtempSync(join(tmpdir(), 'sm-edge-es-check-'));
  const file = join(dir, fileName);
  writeFileSync(file, code);
  try {
    const result = await esCheck.runChecks(
      [
        { ecmaVersion: ES_VERSION, files: [file] },
        { checkBrowser: true, browserslistQuery: BROWSERS, checkFeatures: true, files: [file] },
      ],
      {},
    );
    const problems = result.errors.map((e) => `es-check: ${e.err?.message ?? e.err} (${fileName}${e.line ? `:${e.line}:${e.column}` : ''})`);
    try {
      problems.push(...featureProblems(code));
    } catch (err) {
      problems.push(`does not parse: ${err.message}`);
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
