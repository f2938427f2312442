// GET /r/<token>: a cart-recovery link from SALESmanago's abandoned-cart e-mail (worker/recovery/).
// Good link: 302 to the shop's cart-rebuild URL, with the smclient cookie of the contact. Any bad link
// (forged, altered, expired): 200 with a plain page linking to the shop, no cookie.
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { answerRecoveryLink } from '../recovery/open.ts';

export const recovery = new Hono<AppEnv>().get('/:token', async (c) => {
  const secure = new URL(c.req.url).protocol === 'https:';
  const opened = await answerRecoveryLink(c.var.config, c.req.param('token'), { nowMs: Date.now(), secure, acceptLanguage: c.req.header('Accept-Language') });
  // The token is in the URL: no caching, and no Referer carrying it to the shop or elsewhere.
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  if (opened.kind === 'redirect') {
    if (opened.cookie) c.header('Set-Cookie', opened.cookie);
    return c.redirect(opened.location, 302);
  }
  return c.html(opened.html, 200);
});
