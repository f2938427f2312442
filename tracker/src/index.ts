// Wiring, run once when the script loads (main.ts).
import { watchCmp } from './cmp';
import { install } from './commands';
import { attrs } from './config';
import { d, log, on, safe, w } from './env';
import { CMP, MON, VIEWS } from './flags';
import { watchForms } from './forms';
import { monitor } from './monitoring';
import { flush, queue } from './transport';
import { watchVisits } from './visit';

const start = () => {
  // Leaving or hiding the page: what is pending goes with sendBeacon.
  const leave = () => flush(1);
  on(w, 'pagehide', leave);
  on(d, 'visibilitychange', leave);
  on(w, 'online', () => flush(0, 1));
  watchForms();
  watchVisits();
  install();
  CMP && watchCmp();
  // The batching tick: what was queued meanwhile goes in one request; once one is answered and
  // nothing waits, the monitoring code may load.
  setInterval(() => (CMP && watchCmp(), MON && monitor(), queue[0] && flush()), 500);
};

export const init = safe(() => {
  const n = navigator as any;
  // A theme that includes the snippet twice (or s.js and a variant) gets one tracker: a second copy
  // does nothing, so nothing is counted twice.
  if (w.smEdgeOn) return;
  w.smEdgeOn = 1;
  // Headless browsers (unless data-allow-automation) and, with data-respect-gpc, Global Privacy Control.
  if ((n.webdriver && !('allowAutomation' in attrs)) || ('respectGpc' in attrs && n.globalPrivacyControl)) {
    log('off');
  } else if (d.prerendering) {
    // A prerendered page does nothing until the visitor sees it; smEdge() calls wait in smEdge.q.
    on(d, 'prerenderingchange', start);
  } else if (VIEWS && d.readyState == 'loading') {
    // An async script can run before the page is parsed: the product markup may still be to come.
    // Calls meanwhile wait in smEdge.q, in order.
    on(d, 'DOMContentLoaded', start);
  } else start();
});
