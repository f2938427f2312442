// One SALESmanago API request over HTTP: faults first (latency, hang, 5xx, 429, malformed), then the
// method. A faulted request is never processed; every request lands in the calls log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_METHODS, callApi, itemCount } from './api.ts';
import type { Fault } from './faults.ts';
import { parseJson, readBody, send, sendJson } from './http.ts';
import type { Simulation } from './simulation.ts';
import { isObject } from './validation.ts';

export interface Pending {
  /** Waits `ms`; resolves false if the simulator closed meanwhile. */
  sleep(ms: number): Promise<boolean>;
}

const ERROR_HTML = (status: number) =>
  `<html><head><title>${status}</title></head><body><h1>${status} ${status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Internal Server Error'}</h1></body></html>`;

function answerFault(res: ServerResponse, fault: Exclude<Fault, { kind: 'hang' }>): number {
  switch (fault.kind) {
    case 'error':
      if (fault.html) send(res, fault.status, ERROR_HTML(fault.status), 'text/html;charset=UTF-8');
      else sendJson(res, fault.status, { success: false, message: ['Internal server error'] });
      return fault.status;
    case 'rate429':
      sendJson(res, 429, { success: false, message: ['Too many requests'] }, { 'Retry-After': String(fault.retryAfterS) });
      return 429;
    case 'malformed':
      send(res, 200, fault.body, 'application/json;charset=UTF-8');
      return 200;
  }
}

export async function handleApi(sim: Simulation, req: IncomingMessage, res: ServerResponse, path: string, pending: Pending): Promise<void> {
  const at = Date.now();
  const text = await readBody(req);
  const parsed = parseJson(text);
  const items = parsed.ok ? itemCount(parsed.value) : 0;
  const log = (status: number, ok: boolean, extra: { fault?: string; messages?: string[] } = {}) => sim.calls.record({ at, path, status, ok, items, ...extra });

  if (req.method !== 'POST') {
    sendJson(res, 405, { success: false, message: ['Only POST is supported'] }, { Allow: 'POST' });
    log(405, false);
    return;
  }
  const { latencyMs, answerDelayMs, minimalReplies, fault } = sim.faults.decide(path);
  if (latencyMs > 0 && !(await pending.sleep(latencyMs))) return;
  if (fault?.kind === 'hang') {
    // Never answered; the socket is destroyed when the client gives up or the simulator closes.
    log(0, false, { fault: 'hang' });
    return;
  }
  if (fault) {
    log(answerFault(res, fault), false, { fault: fault.kind });
    return;
  }
  if (!parsed.ok || !isObject(parsed.value)) {
    const messages = [parsed.ok ? 'Request body must be a JSON object' : 'Malformed JSON'];
    sendJson(res, 400, { success: false, message: messages });
    log(400, false, { messages });
    return;
  }
  const method = API_METHODS[path];
  if (!method) {
    const messages = [`Unknown method: ${path}`];
    sendJson(res, 404, { success: false, message: messages });
    log(404, false, { messages });
    return;
  }
  const { body } = callApi(method, parsed.value, sim.store, sim.accounts);
  // Stored already: a late answer (answerDelayMs) does not undo it, even if the client gave up.
  if (answerDelayMs > 0 && !(await pending.sleep(answerDelayMs))) return;
  const answer = minimalReplies && body.success === true ? { success: true } : body;
  if (!res.destroyed && !res.writableEnded) sendJson(res, 200, answer);
  log(200, body.success === true, { messages: body.message as string[], ...(answerDelayMs > 0 ? { fault: 'late' } : {}) });
}

/**
 * One API v3 request (test/simulator/catalog.ts): faults as for the legacy API, then the `API-KEY`
 * header (reason 10, as `{messages, reasonCode}`), then the method. GET is allowed where v3 reads
 * (catalogList, as the SDK calls it: `Services/Api/V3/Product/CatalogService.php:46-49`).
 */
export async function handleV3Api(sim: Simulation, req: IncomingMessage, res: ServerResponse, path: string, pending: Pending): Promise<void> {
  const at = Date.now();
  const text = await readBody(req);
  const parsed = text.trim() === '' ? { ok: true as const, value: {} } : parseJson(text);
  const items = parsed.ok && isObject(parsed.value) && Array.isArray(parsed.value.products) ? parsed.value.products.length : 1;
  const log = (status: number, ok: boolean, extra: { fault?: string; messages?: string[] } = {}) => sim.calls.record({ at, path, status, ok, items, ...extra });
  const { latencyMs, answerDelayMs, fault } = sim.faults.decide(path);
  if (latencyMs > 0 && !(await pending.sleep(latencyMs))) return;
  if (fault?.kind === 'hang') {
    log(0, false, { fault: 'hang' });
    return;
  }
  if (fault) {
    log(answerFault(res, fault), false, { fault: fault.kind });
    return;
  }
  const key = req.headers['api-key'];
  if (typeof key !== 'string' || !sim.accounts.some((a) => a.apiV3Key !== undefined && a.apiV3Key === key)) {
    const messages = ['Authentication failed: missing or unknown API-KEY'];
    sendJson(res, 400, { messages, reasonCode: 10 });
    log(400, false, { messages });
    return;
  }
  if (!parsed.ok || !isObject(parsed.value)) {
    const messages = ['Request body must be a JSON object'];
    sendJson(res, 400, { problems: [{ reasonCode: 14, message: 'body:object' }] });
    log(400, false, { messages });
    return;
  }
  const reply = sim.catalog.call(path, req.method ?? 'GET', parsed.value);
  if (answerDelayMs > 0 && !(await pending.sleep(answerDelayMs))) return;
  if (!res.destroyed && !res.writableEnded) sendJson(res, reply.status, reply.body);
  const problems = Array.isArray(reply.body.problems) ? (reply.body.problems as { reasonCode: number; message: string }[]) : [];
  log(reply.status, reply.status === 200, { messages: problems.map((p) => `${p.reasonCode}: ${p.message}`) });
}
