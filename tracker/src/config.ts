// Script attributes, read from the <script> element that loaded the tracker. The collector is the
// origin the script itself was loaded from.
const s = document.currentScript as HTMLScriptElement;

export const attrs = s.dataset;
export const collector = new URL('/e', s.src);
/** data-cart-path, sent with every request (the collector makes a Visit under it a Cart too). */
export const cartPath = attrs.cartPath;
export const required = attrs.consent == 'required';
export const debug = 'debug' in attrs;
