// Three projects: the worker in real workerd, the tracker in happy-dom, and Node-side tests
// (simulator, local stack, real Chromium). The simulator is started once for all of them (in the quick
// loop, one more for each workerd pool worker).
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { localWorkerVars } from './test/stack/local-values.ts';
import { startWorkerSimulator } from './test/worker-simulators.ts';

// `npm run test:quick` (TEST_QUICK=1) leaves out the suites that start `wrangler dev` or Chromium
// (end-to-end, browser, attack, examples, crash, import); `npm test` and CI run everything.
// It also runs files side by side and most worker files without a fresh workerd per file (below).
const quick = process.env.TEST_QUICK === '1';
const slowNodeSuites = [
  'test/browser/**',
  'test/e2e/**',
  'test/attack/**',
  'test/shop-examples/**',
  'test/demo-shop/**',
  'test/bench/crash.test.ts',
  'test/import/import.test.ts',
  'test/stack/start.test.ts',
];

// Worker files that watch every SALESmanago call their isolate makes (a fetch spy, the simulator's call
// log), all of the simulator's catalogs, or everything parked in the ledger (the accumulator). In a shared isolate the queue consumer of
// another file's messages, still retrying, shows in them: the quick loop runs these in a fresh workerd
// each (project worker-isolated), the other worker files share one per pool worker. The delivery
// shards' tests, and the ledger databases' (two shards over two databases), also rewrite the one
// shard-count row every consumer reads, and count D1 round trips.
const isolatedInQuick = [
  'worker/consent/account-consents.test.ts',
  'worker/consent/webhook.test.ts',
  'worker/delivery/accumulator.test.ts',
  'worker/delivery/conformance.test.ts',
  'worker/delivery/consumer.test.ts',
  'worker/delivery/d1-calls.test.ts',
  'worker/delivery/faults.test.ts',
  'worker/delivery/ledgers.test.ts',
  'worker/delivery/packing.test.ts',
  'worker/delivery/reliability.test.ts',
  'worker/delivery/shards.test.ts',
  'worker/ledger/databases.test.ts',
  'worker/salesmanago/client.test.ts',
  'worker/setup/catalog.test.ts',
];

/** Worker tests run in workerd with the D1 migrations applied and a simulator as SALESmanago. */
function workerProject(name: string, include: string[], exclude: string[], isolate: boolean) {
  return {
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            ...localWorkerVars(quick ? await startWorkerSimulator() : inject<string>('simulatorUrl')),
            TEST_MIGRATIONS: await readD1Migrations('./worker/migrations'),
          },
          // LEDGER_REPLICA stands in for a D1 read replica that lags the primary (worker/test/replica.ts);
          // LEDGER_1 is a second ledger database, used where a test sets LEDGER_DATABASES (worker/test/ledgers.ts).
          d1Databases: ['LEDGER_REPLICA', 'LEDGER_1'],
        },
      })),
    ],
    test: {
      name,
      include,
      exclude: [...configDefaults.exclude, ...exclude],
      // Tests that send hundreds of requests (rate limits, fuzzing) took over 5 s on a loaded 2-core machine.
      testTimeout: 20_000,
      setupFiles: ['./worker/test/apply-migrations.ts'],
      // Without isolation the files of one pool worker share its storage and module state, so a test
      // counts only what it adds and names only what it made (CONTRIBUTING.md "Running tests").
      isolate,
    },
  };
}

/** The quick loop starts the isolated worker files first: they hold its longest waits. */
class IsolatedFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (spec: TestSpecification) => spec.project.name === 'worker-isolated';
    return [...sorted.filter(first), ...sorted.filter((spec) => !first(spec))];
  }
}

export default defineConfig({
  test: {
    reporters: ['default', './test/reporter.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // vitest's default on 2 cores is one file at a time; the quick loop's files mostly wait (timeouts,
    // retry pauses), so three run side by side.
    ...(quick ? { maxWorkers: 3, sequence: { sequencer: IsolatedFirst } } : {}),
    projects: [
      ...(quick
        ? [workerProject('worker', ['worker/**/*.test.ts'], isolatedInQuick, false), workerProject('worker-isolated', isolatedInQuick, [], true)]
        : [workerProject('worker', ['worker/**/*.test.ts'], [], true)]),
      {
        test: {
          name: 'tracker',
          environment: 'happy-dom',
          include: ['tracker/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          // The real WooCommerce shop (PHP, MariaDB) runs on its own: npm run test:woocommerce.
          exclude: [...configDefaults.exclude, 'test/woocommerce/**', ...(quick ? slowNodeSuites : [])],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
