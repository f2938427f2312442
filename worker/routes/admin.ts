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
import { REPLAYABLE, replay } from '../delivery/replay.ts';
import { replayKept } from '../platforms/kept.ts';
import { withConfig } from '../http/config.ts';
import type { AppEnv } from '../env.ts';
import { adminPassword } from '../http/admin-password.ts';
import { sameOriginWrites } from '../http/same-origin.ts';
import { PULL_SETTINGS, pullConfigured, reconcile } from '../platforms/reconcile.ts';

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
    locked: (c) => c.json({ error: 'ADMIN_PASSWORD is not set: the admin actions are disabled' }, 503),
    invalidUserMessage: { error: 'authentication required: HTTP Basic with the ADMIN_PASSWORD' },
  }),
);

admin.post(
  '/replay',
  withConfig,
  validator('query', (value, c) => {
    const parsed = v.safeParse(ReplayQuery, { status: one(value.status), limit: one(value.limit) });
    if (!parsed.success) return c.json({ error: parsed.issues[0]?.message ?? 'invalid query' }, 400);
    return parsed.output;
  }),
  async (c) => {
    const { status, limit } = c.req.valid('query');
    if (status === 'kept') return c.json(await replayKept(c.env, c.var.config, { limit: limit ?? 500 }));
    const result = await replay(c.env, { ...(status ? { statuses: [status] } : {}), ...(limit ? { limit } : {}) });
    return c.json(result);
  },
);

const ReconcileQuery = v.object({
  platform: v.picklist(['woocommerce', 'shopify'], 'platform must be "woocommerce" or "shopify"'),
});

admin.post(
  '/reconcile',
  withConfig,
  validator('query', (value, c) => {
    const parsed = v.safeParse(ReconcileQuery, { platform: one(value.platform) });
    if (!parsed.success) return c.json({ error: parsed.issues[0]?.message ?? 'invalid query' }, 400);
    return parsed.output;
  }),
  async (c) => {
    const { platform } = c.req.valid('query');
    if (!pullConfigured(c.var.config, platform)) {
      return c.json({ error: `${PULL_SETTINGS[platform]} are not configured: the pull needs the platform's read-only API credentials (docs/platforms.md)` }, 400);
    }
    return c.json(await reconcile(c.env, c.var.config, platform));
  },
);

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
