// `npm run test:woocommerce`: the real WordPress + WooCommerce shop against the local stack, apart from
// `npm test` because it needs PHP and MariaDB (and unpacks ~165 MB).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/woocommerce/**/*.test.ts'],
    environment: 'node',
    reporters: ['default', './test/reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
