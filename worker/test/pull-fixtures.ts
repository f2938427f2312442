// Test-only: a platform API double for the reconciliation pulls (platforms/) and a reset of their state.
import type { Env } from '../env.ts';

/** Forgets every platform's pull state (cursor, window, lease), so a test starts with a first pull. */
export async function resetPulls(env: Env): Promise<void> {
  await env.LEDGER.prepare('DELETE FROM platform_pulls').run();
}

interface Call {
  url: URL;
  headers: Headers;
}

/** A fetch double: each call recorded, answered by `answer` (a Response, or JSON with status 200). */
export function apiDouble(answer: (url: URL, call: number) => Response | unknown) {
  const calls: Call[] = [];
  const fetcher = async (input: string, init?: RequestInit): Promise<Response> => {
    const url = new URL(input);
    calls.push({ url, headers: new Headers(init?.headers) });
    const a = answer(url, calls.length);
    return a instanceof Response ? a : Response.json(a);
  };
  return { calls, fetcher };
}
