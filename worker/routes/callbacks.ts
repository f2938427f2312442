// SALESmanago's opt-in / opt-out callbacks (docs/contracts.md "SALESmanago callbacks"):
//   GET|POST /callbacks/opt-in?email=<e-mail>&key=<hex sha1(email + CALLBACK_SECRET)>, and /opt-out.
// A POST may carry email/key in the query, a form body or a JSON body.
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { InvalidRequest } from '../errors.ts';
import { inBackground } from '../http/background.ts';
import { limitBody, MAX_CALLBACK_BYTES } from '../http/body-limits.ts';
import { acceptCallback } from '../consent/callback.ts';
import type { ConsentStatus } from '../consent/changes.ts';

type Fields = { email?: string | null; key?: string | null };

function field(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

async function readFields(c: Context<AppEnv>): Promise<Fields> {
  const query = new URL(c.req.url).searchParams;
  const fields: Fields = { email: query.get('email'), key: query.get('key') };
  if (c.req.method !== 'POST' || (fields.email !== null && fields.key !== null)) return fields;

  const type = c.req.header('content-type') ?? '';
  let body: Record<string, unknown>;
  if (/multipart\/form-data/i.test(type)) {
    try {
      body = await c.req.parseBody();
    } catch {
      // A malformed multipart body (no boundary, cut off) is the sender's fault: 400, not 500.
      throw new InvalidRequest('body is not valid multipart/form-data');
    }
  } else if (/json/i.test(type)) {
    try {
      const parsed: unknown = await c.req.json();
      body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      throw new InvalidRequest('body is not valid JSON');
    }
  } else {
    // application/x-www-form-urlencoded, or anything else shaped like it.
    body = Object.fromEntries(new URLSearchParams(await c.req.text()));
  }
  return { email: fields.email ?? field(body.email), key: fields.key ?? field(body.key) };
}

function handler(kind: ConsentStatus) {
  return async (c: Context<AppEnv>) => {
    const fields = await readFields(c);
    const later: Promise<unknown>[] = [];
    try {
      await acceptCallback(c.env, kind, fields, { config: c.var.config, later });
    } finally {
      // Refused or not. Called in-process without an execution context (a unit test), the bookkeeping
      // is awaited before the answer.
      await inBackground(c, later);
    }
    return c.json({ success: true });
  };
}

export const callbacks = new Hono<AppEnv>()
  .use(limitBody(MAX_CALLBACK_BYTES))
  .on(['GET', 'POST'], '/opt-in', handler('opt-in'))
  .on(['GET', 'POST'], '/opt-out', handler('opt-out'));
