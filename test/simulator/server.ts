// PLACEHOLDER until the simulator lands: an HTTP server that answers nothing useful.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimulatorAccount {
  clientId: string;
  apiSecret: string;
  owner: string;
}

export async function startSimulator(options: { port?: number; host?: string; accounts: SimulatorAccount[] }) {
  const server = createServer((_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
