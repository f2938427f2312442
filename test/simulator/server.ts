// startSimulator (contract C): SALESmanago's legacy JSON API, API v3's product catalog (/v3/…), plus the /__sim control surface on one port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulatorAccount } from './auth.ts';
import type { CallRecord } from './calls.ts';
import type { CallbackTemplates } from './callbacks.ts';
import { handleControl } from './control.ts';
import { handleApi, handleV3Api, type Pending } from './endpoint.ts';
import { BodyTooLarge, sendJson } from './http.ts';
import { Simulation, type ConsentChange, type SimulationState } from './simulation.ts';
export type { CallRecord } from './calls.ts';
export type { FaultConfig } from './faults.ts';
export type { SimulationState } from './simulation.ts';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  accounts: SimulatorAccount[];
  /** PRNG seed for fault injection (default 1). */
  seed?: number;
  callbacks?: CallbackTemplates;
  /** Calls kept in the log (default 10 000); counters are unbounded. */
  callLogLimit?: number;
}

export interface Simulator {
  /** Base URL, e.g. http://127.0.0.1:8790 (no trailing slash). */
  url: string;
  /** Stops listening, destroys open (including hung) connections and pending delays. */
  close(): Promise<void>;
  /** Direct access for Node tests; the same operations as the /__sim routes. */
  simulation: Simulation;
  state(): SimulationState;
  calls(since?: number): CallRecord[];
  reset(): void;
  setFaults(config: unknown): void;
  setCallbacks(templates: unknown): CallbackTemplates;
  confirm(email: string): Promise<ConsentChange>;
  unsubscribe(email: string): Promise<ConsentChange>;
}

/** Delays that close() can cancel, so a closed simulator leaves no timers behind. */
function pendingDelays(): Pending & { cancelAll(): void } {
  const timers = new Map<NodeJS.Timeout, (done: boolean) => void>();
  return {
    sleep: (ms) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve(true);
        }, ms);
        timers.set(timer, resolve);
      }),
    cancelAll: () => {
      for (const [timer, resolve] of timers) {
        clearTimeout(timer);
        resolve(false);
      }
      timers.clear();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const simulation = new Simulation(options);
  const pending = pendingDelays();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const handled =
      url.pathname === '/__sim' || url.pathname.startsWith('/__sim/')
        ? handleControl(simulation, req, res, url)
        : url.pathname.startsWith('/v3/')
          ? handleV3Api(simulation, req, res, url.pathname, pending)
          : handleApi(simulation, req, res, url.pathname, pending);
    handled.catch((error: unknown) => {
      if (error instanceof BodyTooLarge) sendJson(res, 413, { success: false, message: [error.message], error: error.message });
      else if (!res.headersSent) sendJson(res, 500, { success: false, message: ['Simulator error'], error: String(error) });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        pending.cancelAll();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    simulation,
    state: () => simulation.state(),
    calls: (since) => simulation.calls.since(since),
    reset: () => simulation.reset(),
    setFaults: (config) => simulation.setFaults(config),
    setCallbacks: (templates) => simulation.setCallbacks(templates),
    confirm: (email) => simulation.confirm(email),
    unsubscribe: (email) => simulation.unsubscribe(email),
  };
}
