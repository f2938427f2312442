// Child processes of the local stack: spawned in their own process group so that stopping one
// also stops what it started (wrangler leaves workerd behind otherwise).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** wrangler's entry, run on this same Node (22): `npx`-free and independent of PATH. */
export const WRANGLER = `${ROOT}node_modules/wrangler/bin/wrangler.js`;

export interface Child {
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export function start(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; echo?: boolean } = {}): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    log = (log + text).slice(-20_000);
    if (options.echo) process.stdout.write(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    output: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      // workerd may outlive wrangler for a moment; make sure the group is gone.
      signalGroup(child, 'SIGKILL');
    },
  };
}

/**
 * `wrangler dev` of the worker on 127.0.0.1:`port`, its D1/KV state in `persistTo`, `vars` as `--var`s
 * (`config`: wrangler's own options, e.g. `--config`): the one way the stack and the crash bench start it.
 */
export async function startWranglerDev(options: {
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  config?: string[];
  echo?: boolean;
}): Promise<Child> {
  return start(
    process.execPath,
    [
      WRANGLER,
      'dev',
      ...(options.config ?? []),
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--inspector-port',
      String(await freePort()),
      '--persist-to',
      options.persistTo,
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
      ...Object.entries(options.vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ],
    { echo: options.echo ?? false, env: { WRANGLER_SEND_METRICS: 'false', CI: 'true' } },
  );
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(url: string, timeoutMs: number, child?: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child && child.process.exitCode !== null) {
      throw new Error(`process exited before ${url} answered:\n${child.output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${lastError})\n${child?.output() ?? ''}`);
}
