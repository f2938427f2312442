// The quick loop runs the workerd files in several pool workers at once. Each pool worker gets a
// simulator of its own, so that the faults a file injects (worker/delivery/faults.test.ts and others
// set them for the whole simulator) reach no file running beside it. They are kept on globalThis:
// vitest.config.ts (bundled) and test/global-setup.ts (which closes them) load separate copies of this module.
import { startSimulator, type Simulator } from './simulator/server.ts';
import { LOCAL_ACCOUNT } from './stack/local-values.ts';

const KEY = Symbol.for('salesmanago-edge.worker-simulators');

function started(): Set<Simulator> {
  const holder = globalThis as { [KEY]?: Set<Simulator> };
  holder[KEY] ??= new Set();
  return holder[KEY];
}

/** Starts a simulator for one pool worker; answers its URL. */
export async function startWorkerSimulator(): Promise<string> {
  const simulator = await startSimulator({ port: 0, accounts: [LOCAL_ACCOUNT] });
  started().add(simulator);
  return simulator.url;
}

export async function closeWorkerSimulators(): Promise<void> {
  const all = [...started()];
  started().clear();
  await Promise.all(all.map((s) => s.close()));
}
