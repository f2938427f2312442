// The /__sim control surface (contract C). Never subject to fault injection.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson, readBody, send, sendJson } from './http.ts';
import { renderPage } from './page.ts';
import { ControlError, type Simulation } from './simulation.ts';
import { isObject } from './validation.ts';

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  const parsed = parseJson(text);
  if (!parsed.ok) throw new ControlError('body is not valid JSON');
  return parsed.value;
}

function emailOf(body: unknown): unknown {
  return isObject(body) ? body.email : undefined;
}

type Route = (sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

const routes: Record<string, Partial<Record<'GET' | 'POST', Route>>> = {
  '/__sim': {
    GET: (sim, _req, res) => send(res, 200, renderPage(sim.state(), sim.calls.since(0)), 'text/html;charset=UTF-8'),
  },
  '/__sim/calls': {
    GET: (sim, _req, res, url) => {
      const since = Number(url.searchParams.get('since') ?? '0');
      if (!Number.isInteger(since) || since < 0) throw new ControlError('since must be a non-negative integer');
      sendJson(res, 200, sim.calls.since(since));
    },
  },
  '/__sim/state': { GET: (sim, _req, res) => sendJson(res, 200, sim.state()) },
  '/__sim/reset': {
    POST: (sim, _req, res) => {
      sim.reset();
      sendJson(res, 200, { ok: true });
    },
  },
  '/__sim/faults': {
    GET: (sim, _req, res) => sendJson(res, 200, sim.faults.config()),
    POST: async (sim, req, res) => {
      sim.setFaults(await jsonBody(req));
      sendJson(res, 200, sim.faults.config());
    },
  },
  '/__sim/callbacks': {
    GET: (sim, _req, res) => sendJson(res, 200, sim.callbacks()),
    POST: async (sim, req, res) => sendJson(res, 200, sim.setCallbacks(await jsonBody(req))),
  },
  '/__sim/contacts/confirm': {
    POST: async (sim, req, res) => sendJson(res, 200, await sim.confirm(emailOf(await jsonBody(req)))),
  },
  '/__sim/contacts/unsubscribe': {
    POST: async (sim, req, res) => sendJson(res, 200, await sim.unsubscribe(emailOf(await jsonBody(req)))),
  },
};

export async function handleControl(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const route = routes[path];
  if (!route) return sendJson(res, 404, { error: `unknown control route ${path}` });
  const handler = route[req.method as 'GET' | 'POST'];
  if (!handler) return sendJson(res, 405, { error: `${req.method} not allowed on ${path}` }, { Allow: Object.keys(route).join(', ') });
  try {
    await handler(sim, req, res, url);
  } catch (error) {
    if (error instanceof ControlError) sendJson(res, error.status, { error: error.message });
    else throw error;
  }
}
