// The worker's bindings are typed by `wrangler types` from wrangler.toml, not by hand: the generated
// worker/worker-configuration.d.ts is committed, and this fails when wrangler.toml changed without
// `npm run types` (wrangler's own --check regenerates in memory and compares; a binding added to
// wrangler.toml makes it exit 1).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The file path, not `wrangler/bin/wrangler.js`: that subpath is not exported (docs toolchain notes).
const WRANGLER = `${ROOT}node_modules/wrangler/bin/wrangler.js`;
/** The same arguments as `npm run types` (package.json): the generated file's header records them. */
const ARGS = ['types', '--include-runtime=false', '--env-interface', 'WorkerBindings', 'worker/worker-configuration.d.ts'];

describe('Env types', () => {
  it('worker/worker-configuration.d.ts is what `wrangler types` makes of wrangler.toml', () => {
    const run = spawnSync(process.execPath, [WRANGLER, ...ARGS, '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      timeout: 50_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}\nrun \`npm run types\` and commit worker/worker-configuration.d.ts`).toBe(0);
  });
});
