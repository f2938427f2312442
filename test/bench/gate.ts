// A gate between the worker and the simulator (bench 6b): while closed it holds every SALESmanago call
// unanswered, so the consumers stop at their first batch and a backlog of ordinary queue messages
// builds up; opened, it passes the held calls and all later ones through. Node's http, nothing else.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Gate {
  url: string;
  /** Where calls go once the gate is open (the simulator's URL). */
  target: string;
  open(): void;
  close(): Promise<void>;
  /** Each call passed through since the gate opened: when it started and ended (performance.now()), and its path. */
  calls: { start: number; end: number; path: string }[];
}

export async function startGate(): Promise<Gate> {
  let isOpen = false;
  const held: (() => void)[] = [];
  const gate: Gate = {
    url: '',
    target: '',
    calls: [],
    open() {
      isOpen = true;
      for (const pass of held.splice(0)) pass();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const target = new URL(req.url ?? '/', gate.target);
    const call = { start: performance.now(), end: 0, path: target.pathname };
    gate.calls.push(call);
    const out = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => (call.end = performance.now()));
    });
    out.on('error', () => res.destroy());
    out.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const pass = () => forward(req, Buffer.concat(chunks), res);
      if (isOpen) pass();
      else held.push(pass);
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}
