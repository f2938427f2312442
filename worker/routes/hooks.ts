// Shop platform webhooks: POST /hooks/woocommerce and POST /hooks/shopify (docs/platforms.md "Shop platforms").
// Thin: a body limit before reading, then the platform's delivery goes to receiveWebhook.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.ts';
import { withConfig } from '../http/config.ts';
import { PLATFORMS } from '../platforms/index.ts';
import { receiveWebhook } from '../platforms/receive.ts';

/** Large orders (hundreds of lines, long meta_data) stay well below this. */
export const MAX_HOOK_BODY_BYTES = 1024 * 1024;

export const hooks = new Hono<AppEnv>();

hooks.use(withConfig);

for (const platform of PLATFORMS) {
  hooks.post(
    platform.path.replace(/^\/hooks/, ''),
    bodyLimit({ maxSize: MAX_HOOK_BODY_BYTES, onError: (c) => c.json({ error: `body is larger than ${MAX_HOOK_BODY_BYTES / 1024} KB` }, 413) }),
    async (c) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const answer = await receiveWebhook(c.env, platform, bytes, { get: (name) => c.req.header(name) }, Date.now(), c.var.config);
      for (const [name, value] of Object.entries(answer.headers ?? {})) c.header(name, value);
      return c.json(answer.body, answer.status);
    },
  );
}
