// Script attributes, read from the <script> element that loaded the tracker. The collector's endpoint
// is "e" beside the script itself: /s.js posts to /e, and a first-party /_x/s.js to /_x/e (docs/theme.md
// "First-party mode").
const s = document.currentScript as HTMLScriptElement;

export const attrs = s.dataset;
export const collector = new URL('e', s.src);
/** data-cart-path, sent with every request (the collector makes a Visit under it a Cart too). */
export const cartPath = attrs.cartPath;
/** data-consent: "required" (smEdge('consent', …), remembered), "gcm" or "tcf" (the consent tool's
 *  signal, s.cmp.js). Any value holds events until consent, so a misspelt one fails safe. */
export const mode = attrs.consent;
export const debug = 'debug' in attrs;
