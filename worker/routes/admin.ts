// Operator actions (`npm run replay`, docs/delivery.md): HTTP Basic, any user name, password
// ADMIN_PASSWORD (http/admin-password.ts: 503 while it is unset or too short, attempts limited per IP),
// and no cross-site browser request (http/same-origin.ts).
// POST /admin/replay[?status=failed|dead|queued&limit=n] puts up to `limit` (default 5,000, at most
// 10,000) failed, dead and overdue queued deliveries back on the queue and answers how many, by status, and how many remain.
// ?status=kept replays the kept shop-platform deliveries instead (platforms/kept.ts), up to `limit` (default 500).
// POST /admin/reconcile?platform=woocommerce|shopify runs one bounded reconciliation pull
// (platforms/reconcile.ts) and answers its figures; an operator's request, never a shop's.
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import * as v from 'valibot';
import { REPLAYABLE, replayRequest } from '../delivery/replay.ts';
import type { AppEnv } from '../env.ts';
import { InvalidRequest, Unavailable } from '../errors.ts';
import { adminPassword } from '../http/admin-password.ts';
import { sameOriginWrites } from '../http/same-origin.ts';
import { reconcileRequest } from '../platforms/reconcile.ts';

const ReplayQuery = v.object({
  status: v.optional(v.picklist([...REPLAYABLE, 'kept'], 'status must be "failed", "dead", "queued" or "kept"')),
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

admin.use(
  '*',
  sameOriginWrites,
  adminPassword({
    realm: 'salesmanago-edge',
    locked: () => {
      throw new Unavailable('ADMIN_PASSWORD is not set: the admin actions are disabled');
    },
    invalidUserMessage: { error: 'authentication required: HTTP Basic with the ADMIN_PASSWORD' },
  }),
);

admin.post(
  '/replay',
  validator('query', (value) => {
    const parsed = v.safeParse(ReplayQuery, { status: one(value.status), limit: one(value.limit) });
    if (!parsed.success) throw new InvalidRequest(parsed.issues[0]?.message ?? 'invalid query');
    return parsed.output;
  }),
  async (c) => {
    return c.json(await replayRequest(c.env, c.var.config, c.req.valid('query')));
  },
);

const ReconcileQuery = v.object({
  platform: v.picklist(['woocommerce', 'shopify'], 'platform must be "woocommerce" or "shopify"'),
});

admin.post(
  '/reconcile',
  validator('query', (value) => {
    const parsed = v.safeParse(ReconcileQuery, { platform: one(value.platform) });
    if (!parsed.success) throw new InvalidRequest(parsed.issues[0]?.message ?? 'invalid query');
    return parsed.output;
  }),
  async (c) => c.json(await reconcileRequest(c.env, c.var.config, c.req.valid('query').platform)),
);

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
