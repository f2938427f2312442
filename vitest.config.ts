// Three projects: the worker in real workerd, the tracker in happy-dom, and Node-side tests
// (simulator, local stack, real Chromium). The simulator is started once for all of them.
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { configDefaults, defineConfig } from 'vitest/config';
import { localWorkerVars } from './test/stack/local-values.ts';

// `npm run test:quick` (TEST_QUICK=1) leaves out the suites that start `wrangler dev` or Chromium
// (end-to-end, browser, attack, examples, crash, import); `npm test` and CI run everything.
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

export default defineConfig({
  test: {
    reporters: ['default', './test/reporter.ts'],
    globalSetup: ['./test/global-setup.ts'],
    projects: [
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ...localWorkerVars(inject<string>('simulatorUrl')),
                TEST_MIGRATIONS: await readD1Migrations('./worker/migrations'),
              },
              // Stands in for a D1 read replica that lags the primary (worker/test/replica.ts).
              d1Databases: ['LEDGER_REPLICA'],
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['worker/**/*.test.ts'],
          // Tests that send hundreds of requests (rate limits, fuzzing) took over 5 s on a loaded 2-core machine.
          testTimeout: 20_000,
          setupFiles: ['./worker/test/apply-migrations.ts'],
        },
      },
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
