// Command line: `npx node test/simulator/main.ts [--port 8790] [--host 127.0.0.1] [--seed 1]`.
// Accepts the local development account (test/stack/local-values.ts) and prints its URL.
import { parseArgs } from 'node:util';
import { LOCAL_ACCOUNT, LOCAL_PORTS } from '../stack/local-values.ts';
import { startSimulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(LOCAL_PORTS.simulator) },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
  },
});
const port = Number(values.port);
const seed = Number(values.seed);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(seed)) {
  console.error('usage: node test/simulator/main.ts [--port <0-65535>] [--host <address>] [--seed <integer>]');
  process.exit(2);
}

const simulator = await startSimulator({ port, host: values.host, seed, accounts: [{ ...LOCAL_ACCOUNT }] }).catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(code === 'EADDRINUSE' ? `port ${port} is already in use (try --port 0)` : `cannot start the simulator: ${String(error)}`);
  process.exit(1);
});
console.log(`SALESmanago simulator listening on ${simulator.url} (overview: ${simulator.url}/__sim)`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the simulator`);
  void simulator.close().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
