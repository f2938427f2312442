// Three projects: the worker in real workerd, the tracker in happy-dom, and Node-side tests
// (simulator, local stack, real Chromium). The simulator is started once for all of them.
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { localWorkerVars } from './test/stack/local-values.ts';

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
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['worker/**/*.test.ts'],
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
          exclude: ['test/woocommerce/**', '**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
