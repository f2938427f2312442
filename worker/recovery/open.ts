// Opening a cart-recovery link (GET /r/<token>): where to send the shopper and which contact to
// remember, or the plain page of a link that is not (or no longer) good. The page never says which
// check failed: a forger learns nothing from it.
import type { Config } from '../config.ts';
import { verifyRecoveryToken } from '../identity/recovery-token.ts';
import { cartRebuildUrl, shopHome } from '../shop/cart-url.ts';

/** The shape of a SALESmanago contactId, as the tracker's smclient cookie holds it (ingest/beacon-schema.ts). */
const CONTACT_ID = /^[A-Za-z0-9-]{1,64}$/;
/** The smclient cookie as the tracker sets it (tracker/src/identity.ts): path /, 10 years, SameSite=Lax. */
const COOKIE_MAX_AGE_S = 315_360_000;

type Opened = { kind: 'redirect'; location: string; cookie: string | null } | { kind: 'bad-link'; home: string | null };

async function openRecoveryLink(
  config: Pick<Config, 'cartRecovery' | 'shopApiSecret' | 'shopDomains'>,
  token: string,
  nowMs: number,
  secure: boolean,
): Promise<Opened> {
  const template = config.cartRecovery.template;
  const bad: Opened = { kind: 'bad-link', home: shopHome(template ?? undefined, config.shopDomains) };
  if (!template || !config.shopApiSecret) return bad;
  const check = await verifyRecoveryToken(config.shopApiSecret, token, Math.floor(nowMs / 1000));
  if (!check.ok || check.cart.lines.length === 0) return bad;
  const { contactId, lines } = check.cart;
  const cookie = CONTACT_ID.test(contactId) ? `smclient=${contactId}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; SameSite=Lax${secure ? '; Secure' : ''}` : null;
  return { kind: 'redirect', location: cartRebuildUrl(template, lines), cookie };
}

/** GET /r/<token>'s answer (the one function the route calls): the redirect, or the bad-link page in
 *  the browser's language. */
export async function answerRecoveryLink(
  config: Pick<Config, 'cartRecovery' | 'shopApiSecret' | 'shopDomains'>,
  token: string,
  request: { nowMs: number; secure: boolean; acceptLanguage: string | undefined },
): Promise<{ kind: 'redirect'; location: string; cookie: string | null } | { kind: 'page'; html: string }> {
  const opened = await openRecoveryLink(config, token, request.nowMs, request.secure);
  if (opened.kind === 'redirect') return opened;
  return { kind: 'page', html: badLinkPage(pageLanguage(request.acceptLanguage, opened.home), opened.home) };
}

/**
 * The language of the bad-link page: Polish or English, whichever the browser prefers first; when it
 * names neither, the shop's: Polish for a shop under .pl, else English.
 */
export function pageLanguage(acceptLanguage: string | undefined, home: string | null): 'pl' | 'en' {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('pl')) return 'pl';
    if (tag.startsWith('en')) return 'en';
  }
  return home && /\.pl(:\d+)?\/?$/i.test(`${new URL(home).host}/`) ? 'pl' : 'en';
}

const TEXT = {
  pl: { title: 'Link do koszyka', body: 'Ten link do koszyka jest nieaktualny lub niepełny.', go: 'Przejdź do sklepu' },
  en: { title: 'Cart link', body: 'This cart link is out of date or incomplete.', go: 'Go to the shop' },
} as const;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A plain page linking to the shop: no script, no style sheet from elsewhere, nothing about the token. */
function badLinkPage(lang: 'pl' | 'en', home: string | null): string {
  const t = TEXT[lang];
  const link = home ? `<p><a href="${escapeHtml(home)}">${t.go}</a></p>` : '';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${t.title}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>${t.title}</h1><p>${t.body}</p>${link}</body></html>`;
}
