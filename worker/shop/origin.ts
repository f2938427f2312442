// Which page a beacon comes from, and whether that page belongs to the shop (SHOP_DOMAINS).
//
// Rule: a registered domain covers its own host and every subdomain of it ("example.com" admits
// example.com, www.example.com and m.shop.example.com), on any port and over http or https. Shops
// commonly serve www and bare hosts, language subdomains and a local port in development, so exact
// host matching refused real storefronts; a subdomain of a domain is controlled by its owner.

export function shopDomains(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean);
}

/** The origin (scheme://host[:port]) a request comes from: its Origin header, else its Referer. */
export function requestOrigin(origin: string | undefined, referer: string | undefined): string | null {
  const candidate = origin && origin !== 'null' ? origin : referer;
  if (!candidate) return null;
  try {
    const url = new URL(candidate);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

export function isShopOrigin(origin: string | null, domains: readonly string[]): boolean {
  if (!origin) return false;
  let host: string;
  try {
    host = new URL(origin).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}
