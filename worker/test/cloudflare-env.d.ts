// Types of `env` and `exports` from 'cloudflare:workers' in the worker tests.
import type { D1Migration } from 'cloudflare:test';
import type { Env as WorkerEnv } from '../env.ts';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** A second database standing in for a lagging read replica (worker/test/replica.ts). */
      LEDGER_REPLICA: D1Database;
    }
    interface GlobalProps {
      mainModule: typeof import('../index.ts');
    }
  }
}
