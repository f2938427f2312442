// Operator actions, behind HTTP Basic (any user name, password ADMIN_PASSWORD).
// POST /admin/replay[?status=failed|dead|queued&limit=n] puts failed, dead (and overdue queued) deliveries back on the queue.
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import * as v from 'valibot';
import { readConfig } from '../config.ts';
import { REPLAYABLE, replay } from '../delivery/replay.ts';
import type { AppEnv } from '../env.ts';
import { constantTimeEqual } from '../identity/hmac.ts';

const ReplayQuery = v.object({
  status: v.optional(v.picklist(REPLAYABLE, 'status must be "failed", "dead" or "queued"')),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,5}$/, 'limit must be a whole number from 1 to 10000'),
      v.transform(Number),
      v.minValue(1, 'limit must be a whole number from 1 to 10000'),
      v.maxValue(10_000, 'limit must be a whole number from 1 to 10000'),
    ),
  ),
});

export const admin = new Hono<AppEnv>();

admin.use('*', async (c, next) => {
  const password = readConfig(c.env).adminPassword;
  if (!password) return c.json({ error: 'ADMIN_PASSWORD is not set: the admin actions are disabled' }, 503);
  const guard = basicAuth({
    verifyUser: (_user, given) => constantTimeEqual(given, password),
    realm: 'salesmanago-edge',
    invalidUserMessage: { error: 'authentication required: HTTP Basic with the ADMIN_PASSWORD' },
  });
  try {
    return await guard(c, next);
  } catch (err) {
    // basicAuth throws its 401 answer; the app's error handler would turn it into a 500.
    if (err instanceof HTTPException) return err.getResponse();
    throw err;
  }
});

admin.post(
  '/replay',
  validator('query', (value, c) => {
    const parsed = v.safeParse(ReplayQuery, { status: one(value.status), limit: one(value.limit) });
    if (!parsed.success) return c.json({ error: parsed.issues[0]?.message ?? 'invalid query' }, 400);
    return parsed.output;
  }),
  async (c) => {
    const { status, limit } = c.req.valid('query');
    const result = await replay(c.env, { ...(status ? { statuses: [status] } : {}), ...(limit ? { limit } : {}) });
    return c.json(result);
  },
);

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
