// Visit: the page load, SPA navigations (pushState, replaceState, popstate), and bfcache restores.
// The same URL twice in a row is one Visit. In s.full.js a Visit carries the products of the page's
// Product JSON-LD (products.ts), read as the Visit is made; the page's first Visit waits for the
// document to be parsed (index.ts), since themes (WooCommerce) print the markup at the page's end. A Visit under data-cart-path is a Cart as well: every
// request carries the cart path, and the collector records the Cart.
import { on, safe, w } from './env';
import { ev } from './events';
import { VIEWS } from './flags';
import { viewed } from './products';
import { push } from './transport';

let last: unknown;

export const visit = () => {
  const e = VIEWS ? ev('visit', viewed()) : ev('visit');
  if (e.u != last) {
    push(e);
    last = e.u;
  }
};

export const watchVisits = () => {
  const h = history as any;
  const v = safe(visit);
  // Each navigation is seen as it happens, so a quick series of them is a series of Visits.
  for (const m of ['pushState', 'replaceState']) {
    const orig = h[m];
    h[m] = function (this: unknown, ...a: unknown[]) {
      orig.apply(this, a);
      v();
    };
  }
  on(w, 'popstate', visit);
  // Back/forward cache: the page is shown again without loading, which is a new Visit.
  on(w, 'pageshow', (e) => e.persisted && ((last = 0), visit()));
  visit();
};
