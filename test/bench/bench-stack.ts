// The local stack as the benchmarks run it: `wrangler dev` serving one frozen build, from a generated
// copy of wrangler.toml (Rate Limiting bindings raised so that a load test measures the routes, not
// the limiter; queue consumers optionally removed so that the request path can be measured without
// delivery work on the same two cores), plus read access to the local D1 ledger.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { DatabaseSync } from 'node:sqlite';
import { LEDGER_NAME, startStack, type Stack } from '../stack/stack.ts';
import { ROOT, WRANGLER, run } from '../stack/processes.ts';

export interface BenchStackOptions {
  /** The worker and assets every stack of the run serves (see buildWorker). */
  build: WorkerBuild;
  /** Requests per 60 s allowed by each [[ratelimits]] binding. */
  rateLimit: number;
  /** Keep the [[queues.consumers]] (delivery to the simulator). */
  consumers: boolean;
  /** Extra worker vars (e.g. SALESMANAGO_TIMEOUT_MS). */
  vars?: Record<string, string>;
  /** Ledger databases declared (LEDGER, LEDGER_1 …; docs/operations.md "Ledger databases") and set as LEDGER_DATABASES; 1 by default. */
  ledgers?: number;
}

export interface LedgerRowState {
  status: string;
  lastError: string | null;
  nextAttemptAt: number | null;
  attempts: number;
}

export interface BenchStack {
  stack: Stack;
  /**
   * Ledger row counts by status (read-only access to the local D1 file), of the rows whose id matches
   * one of the SQL LIKE patterns (all rows without patterns); null when the ledger cannot be read.
   */
  ledgerStatuses(idPatterns?: string[]): Record<string, number> | null;
  /** The ledger rows of these ids (read-only); null when the ledger cannot be read. */
  ledgerRows(ids: readonly string[]): Map<string, LedgerRowState> | null;
  /** A read-only query on the local ledger; null when it cannot be read. */
  ledgerSelect<T>(sql: string, ...params: (string | number)[]): T[] | null;
  /** Rows of `deliveries` in each local ledger database (with LEDGER_DATABASES > 1), largest first. */
  deliveryRowsByDatabase(): number[];
  stop(): Promise<void>;
}

/**
 * One frozen build for the whole run: the worker bundled by `wrangler deploy --dry-run` and a copy of
 * dist/. `wrangler dev` watches its sources and reloads (holding requests meanwhile) when they change;
 * serving a copy keeps edits made during the run (by a developer, another build) out of the figures.
 */
export interface WorkerBuild {
  /** The bundled worker (ES module). */
  bundle: string;
  /** Copy of dist/ (the tracker, served as a static asset). */
  assets: string;
  remove(): void;
}

export async function buildWorker(): Promise<WorkerBuild> {
  const dir = mkdtempSync(join(tmpdir(), 'sm-edge-build-'));
  try {
    await run(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', join(dir, 'worker')], { WRANGLER_SEND_METRICS: 'false', CI: 'true' });
    cpSync(join(ROOT, 'dist'), join(dir, 'assets'), { recursive: true });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  return {
    bundle: join(dir, 'worker', 'index.js'),
    assets: join(dir, 'assets'),
    remove: () => {
      process.off('exit', remove);
      remove();
    },
  };
}

/**
 * A copy of wrangler.toml that serves the frozen build (no_bundle), with the migrations path made
 * absolute, every rate limit set to `rateLimit`, and the queue consumers dropped unless wanted.
 * Throws if wrangler.toml no longer has the lines this relies on, rather than benchmarking a
 * different set-up silently.
 */
export function benchConfig(
  toml: string,
  options: { root: string; bundle: string; assets: string; rateLimit: number; consumers: boolean; ledgers?: number },
): string {
  const root = options.root.replace(/\/$/, '');
  const seen = { main: 0, directory: 0, migrations: 0, limits: 0, consumers: 0 };
  let section = '';
  const out: string[] = [];
  for (const line of toml.split('\n')) {
    const header = /^\s*\[\[?([^\]]+)\]\]?\s*$/.exec(line);
    if (header) {
      // Top-level keys must come before the first table.
      if (section === '') out.push('no_bundle = true');
      section = header[1]?.trim() ?? '';
    }
    if (section === 'queues.consumers') {
      if (header) seen.consumers += 1;
      if (!options.consumers) continue;
    }
    let next = line;
    const path = /^(\s*(main|directory|migrations_dir)\s*=\s*)"([^"]+)"/.exec(line);
    if (path) {
      const key = path[2];
      if (key === 'main' && section === '') {
        next = `${path[1]}${JSON.stringify(options.bundle)}`;
        seen.main += 1;
      } else if (key === 'directory' && section === 'assets') {
        next = `${path[1]}${JSON.stringify(options.assets)}`;
        seen.directory += 1;
      } else if (key === 'migrations_dir') {
        next = `${path[1]}${JSON.stringify(`${root}/${path[3]}`)}`;
        seen.migrations += 1;
      }
    }
    if (section === 'ratelimits' && /\blimit\s*=\s*\d+/.test(line)) {
      next = line.replace(/\blimit\s*=\s*\d+/, `limit = ${options.rateLimit}`);
      seen.limits += 1;
    }
    out.push(next);
  }
  const missing = Object.entries(seen)
    .filter(([, n]) => n === 0)
    .map(([k]) => k);
  if (missing.length > 0) throw new Error(`wrangler.toml no longer has what the benchmark config rewrites: ${missing.join(', ')}`);
  // More ledger databases, declared as docs/operations.md "Ledger databases" says.
  for (const name of ledgerNames(options.ledgers ?? 1).slice(1)) {
    const i = name.slice(LEDGER_NAME.length + 1);
    out.push('', '[[d1_databases]]', `binding = "LEDGER_${i}"`, `database_name = "${name}"`, `migrations_dir = ${JSON.stringify(`${root}/worker/migrations`)}`);
  }
  return out.join('\n');
}

/** The names of `count` ledger databases: wrangler.toml's, then sm-edge-ledger-1 …. */
function ledgerNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? LEDGER_NAME : `${LEDGER_NAME}-${i}`));
}

/** node:sqlite, loaded without its one-line "experimental" warning in the middle of the output. */
export function sqlite(): typeof import('node:sqlite') {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning instanceof Error ? warning.message : warning).includes('SQLite'))
      (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)('node:sqlite') as typeof import('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** The local D1 databases' files (the ledger's alone with one ledger database). */
function databaseFiles(persistTo: string): string[] {
  const dir = join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  try {
    // metadata.sqlite is miniflare's own (its alarms), not a database.
    return readdirSync(dir)
      .filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite')
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

export function ledgerFile(persistTo: string): string | null {
  return databaseFiles(persistTo)[0] ?? null;
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'sm-edge-bench-'));
  const config = join(dir, 'wrangler.toml');
  const persistTo = join(dir, 'state');
  const { build, rateLimit, consumers } = options;
  const ledgers = options.ledgers ?? 1;
  writeFileSync(
    config,
    benchConfig(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'), { root: ROOT, bundle: build.bundle, assets: build.assets, rateLimit, consumers, ledgers }),
  );
  let stack: Stack;
  try {
    const vars = { ...(ledgers > 1 ? { LEDGER_DATABASES: String(ledgers) } : {}), ...options.vars };
    stack = await startStack({ config, persistTo, vars, databases: ledgerNames(ledgers) });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let db: DatabaseSync | null = null;
  // wrangler runs in its own process group and would outlive a crash of the benchmark: kill it on exit.
  const pid = stack.worker.process.pid;
  const killOnExit = () => {
    try {
      if (pid !== undefined) process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const open = (): DatabaseSync | null => {
    if (!db) {
      const file = ledgerFile(persistTo);
      if (!file) return null;
      db = new (sqlite().DatabaseSync)(file, { readOnly: true });
    }
    return db;
  };
  return {
    stack,
    deliveryRowsByDatabase: () =>
      databaseFiles(persistTo)
        .map((file) => {
          const handle = new (sqlite().DatabaseSync)(file, { readOnly: true });
          try {
            return Number((handle.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number }).n);
          } finally {
            handle.close();
          }
        })
        .sort((a, b) => b - a),
    ledgerRows: (ids) => {
      try {
        const handle = open();
        if (!handle) return null;
        const select = handle.prepare('SELECT id, status, last_error, next_attempt_at, attempts FROM deliveries WHERE id IN (SELECT value FROM json_each(?))');
        const out = new Map<string, LedgerRowState>();
        for (let i = 0; i < ids.length; i += 5_000) {
          const rows = select.all(JSON.stringify(ids.slice(i, i + 5_000))) as {
            id: string;
            status: string;
            last_error: string | null;
            next_attempt_at: number | null;
            attempts: number;
          }[];
          for (const r of rows)
            out.set(r.id, {
              status: r.status,
              lastError: r.last_error,
              nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
              attempts: Number(r.attempts),
            });
        }
        return out;
      } catch {
        return null;
      }
    },
    ledgerSelect: <T>(sql: string, ...params: (string | number)[]) => {
      try {
        const handle = open();
        return handle ? (handle.prepare(sql).all(...params) as T[]) : null;
      } catch {
        return null;
      }
    },
    ledgerStatuses: (idPatterns = []) => {
      try {
        if (!open() || !db) return null;
        const where = idPatterns.length > 0 ? `WHERE ${idPatterns.map(() => 'id LIKE ?').join(' OR ')}` : '';
        const rows = db.prepare(`SELECT status, COUNT(*) AS n FROM deliveries ${where} GROUP BY status`).all(...idPatterns) as { status: string; n: number }[];
        return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      } catch {
        return null;
      }
    },
    stop: async () => {
      process.off('exit', killOnExit);
      db?.close();
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
