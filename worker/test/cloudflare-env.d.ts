// Types of `env` and `exports` from 'cloudflare:workers' in the worker tests: the bindings come from
// worker-configuration.d.ts (wrangler types); the configuration names and the migrations are the tests' own.
import type { D1Migration } from 'cloudflare:test';
import type { ConfigVars } from '../config.ts';

declare global {
  namespace Cloudflare {
    interface Env extends ConfigVars {
      TEST_MIGRATIONS: D1Migration[];
      /** A second database standing in for a lagging read replica (worker/test/replica.ts). */
      LEDGER_REPLICA: D1Database;
      /** A second ledger database (ledger/databases.ts), in use where a test sets LEDGER_DATABASES = "2". */
      LEDGER_1: D1Database;
    }
  }
}
