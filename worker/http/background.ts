// Work that must not delay the answer: handed to waitUntil. Without an execution context (a router
// called in-process, e.g. from the setup page, or a test's app.request without one) the returned
// promise is the work itself, for the caller to await when it must finish first.
import type { Context } from 'hono';
import { logError } from '../log.ts';

/** The request's execution context, or undefined when there is none (hono throws on access then). */
export function executionContext(c: Context): ExecutionContext | undefined {
  try {
    return c.executionCtx as ExecutionContext;
  } catch {
    return undefined;
  }
}

/** Runs `work` after the response (waitUntil); each failure is logged, never thrown. Returns undefined
 *  when handed to the execution context, else the (logged) work. */
export function inBackground(c: Context, work: Promise<unknown> | Promise<unknown>[]): Promise<void> | undefined {
  // Each piece caught on its own: one failure neither hides the others' nor ends the wait early.
  const pieces = Array.isArray(work) ? work : [work];
  const logged = Promise.all(
    pieces.map((piece) =>
      piece.then(
        () => undefined,
        (err: unknown) => logError('background work failed', {}, err),
      ),
    ),
  ).then(() => undefined);
  const ctx = executionContext(c);
  if (!ctx) return logged;
  ctx.waitUntil(logged);
  return undefined;
}
