// Applies the D1 migrations to each test's isolated storage.
import { applyD1Migrations, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

const migrations = (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS;
await applyD1Migrations(env.LEDGER, migrations);
await applyD1Migrations(env.LEDGER_1, migrations);
