// Whether a SHOP_DOMAINS entry is a public suffix (issue 20 item 4). A registered domain admits its
// subdomains (shop/origin.ts), so an entry such as "com", "co.uk" or "github.io" would admit every
// site under it, https://evil.com included. The Public Suffix List (through tldts, its ICANN and
// private sections both: anyone can register under github.io) says which names are such suffixes.
// Names the list does not know (localhost, a .test or .local development host) fall under its default
// rule only, and stay allowed.
import { parse } from 'tldts';

export function isPublicSuffix(domain: string): boolean {
  const parsed = parse(domain, { allowPrivateDomains: true });
  if (parsed.isIp) return false;
  return parsed.publicSuffix === domain && (parsed.isIcann === true || parsed.isPrivate === true);
}
