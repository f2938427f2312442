// Starts one SALESmanago simulator for the whole test run and tells every project where it is.
import type { TestProject } from 'vitest/node';
import { startSimulator } from './simulator/server.ts';
import { LOCAL_ACCOUNT } from './stack/local-values.ts';
import { closeWorkerSimulators } from './worker-simulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    simulatorUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const simulator = await startSimulator({ port: 0, accounts: [LOCAL_ACCOUNT] });
  project.provide('simulatorUrl', simulator.url);
  return async () => {
    await simulator.close();
    await closeWorkerSimulators();
  };
}
