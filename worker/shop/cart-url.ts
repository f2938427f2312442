// CART_RECOVERY_URL (docs/import-and-recovery.md "Templates"): the shop's cart-rebuild URL with the
// cart's lines put in. Two forms:
//   {items}             every line as <id>:<quantity>, joined by "," (Shopify's cart permalink,
//                       https://shop.example/cart/{items}; and our WooCommerce snippet's parameter)
//   {id} / {quantity}   in query parameters only: each parameter naming one of them is repeated once
//                       per line, in order (https://shop.example/cart?add={id}&qty={quantity} gives
//                       ?add=1&qty=2&add=7&qty=1), for shops that take repeated parameters.
// Ids and quantities are percent-encoded, so an id holding ":" or "," or "&" cannot break the URL.

export interface CartLine {
  id: string;
  quantity: number;
}

const LINE_PARAM = /\{(id|quantity)\}/;

/** Why a CART_RECOVERY_URL value cannot be used, or null when it can (empty = recovery links off). */
export function cartTemplateProblem(value: string | undefined): string | null {
  const t = (value ?? '').trim();
  if (!t) return null;
  let url: URL;
  try {
    url = new URL(t.replace(/\{(items|id|quantity)\}/g, 'x'));
  } catch {
    return 'is not a URL (expected e.g. https://shop.example/cart/{items})';
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) return 'must use https';
  const [beforeQuery = '', query = ''] = t.split('#')[0]!.split('?', 2);
  if (t.includes('{items}')) return null;
  if (LINE_PARAM.test(beforeQuery)) return '{id} and {quantity} may only stand in query parameters (…?add={id}&qty={quantity}); or use {items}';
  if (LINE_PARAM.test(query)) return null;
  return 'must contain {items}, or {id} (and {quantity}) in its query string';
}

/** The shop's URL that rebuilds the cart of these lines. The template must have passed cartTemplateProblem. */
export function cartRebuildUrl(template: string, lines: readonly CartLine[]): string {
  const items = lines.map((l) => `${encodeURIComponent(l.id)}:${l.quantity}`).join(',');
  const [main = '', fragment] = template.trim().split(/#(.*)/s, 2);
  const [path = '', query] = main.split(/\?(.*)/s, 2);
  let out = path.replaceAll('{items}', items);
  if (query !== undefined) {
    const params = query.split('&');
    const perLine = params.filter((p) => LINE_PARAM.test(p));
    const expanded: string[] = [];
    let placed = false;
    for (const p of params) {
      if (!LINE_PARAM.test(p)) expanded.push(p.replaceAll('{items}', items));
      else if (!placed) {
        placed = true;
        for (const l of lines) {
          for (const q of perLine) expanded.push(q.replaceAll('{id}', encodeURIComponent(l.id)).replaceAll('{quantity}', String(l.quantity)));
        }
      }
    }
    out += `?${expanded.join('&')}`;
  }
  return fragment !== undefined ? `${out}#${fragment}` : out;
}

/** The shop's own address for the bad-link page: the template's origin, else the first shop domain. */
export function shopHome(template: string | undefined, shopDomains: readonly string[]): string | null {
  const t = (template ?? '').trim();
  if (t) {
    try {
      return `${new URL(t.replace(/\{(items|id|quantity)\}/g, 'x')).origin}/`;
    } catch {
      // fall through to the shop's domain
    }
  }
  return shopDomains[0] ? `https://${shopDomains[0]}/` : null;
}
