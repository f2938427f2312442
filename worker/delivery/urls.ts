// Page URLs and referrers as they may reach SALESmanago. A GET form puts what a visitor typed into
// the next page's URL (`?message=…&company=…`), and so into its referrer: free text that must not
// become an event detail. So query parameters are dropped, except an allow-list that identifies a
// campaign or what was viewed (docs/salesmanago.md "Mapping to SALESmanago"). The fragment goes too. Pure functions.

/** Kept as they are: campaign tags and the ids of what was viewed. Matched case-insensitively. */
const KEPT_PARAMETERS: readonly string[] = [
  'id',
  'product',
  'product_id',
  'productid',
  'sku',
  'variant',
  'category',
  'category_id',
  'categoryid',
  'cat',
  'page',
];
const UTM = /^utm_[a-z0-9_]+$/;

function kept(name: string): boolean {
  const n = name.toLowerCase();
  return UTM.test(n) || KEPT_PARAMETERS.includes(n);
}

/**
 * The URL with only allow-listed query parameters (utm_*, product and category ids) and no fragment.
 * Text that is not an absolute URL is cut at its first "?" or "#".
 */
export function shareableUrl(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text.split(/[?#]/, 1)[0] || undefined;
  }
  const params = [...url.searchParams].filter(([name]) => kept(name));
  url.hash = '';
  url.search = '';
  for (const [name, v] of params) url.searchParams.append(name, v);
  return url.toString();
}
