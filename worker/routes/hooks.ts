// Shop platform webhooks: POST /hooks/woocommerce and POST /hooks/shopify (docs/platforms.md "Shop platforms").
// Thin: a body limit before reading, then the platform's delivery goes to receiveWebhook, which answers
// what it became or throws the refusal (worker/errors.ts).
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { limitBody, MAX_HOOK_BODY_BYTES } from '../http/body-limits.ts';
import { PLATFORMS } from '../platforms/index.ts';
import { receiveWebhook } from '../platforms/receive.ts';

export const hooks = new Hono<AppEnv>();

for (const platform of PLATFORMS) {
  hooks.post(platform.path.replace(/^\/hooks/, ''), limitBody(MAX_HOOK_BODY_BYTES), async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    return c.json(await receiveWebhook(c.env, platform, bytes, { get: (name) => c.req.header(name) }, Date.now(), c.var.config));
  });
}
