// data-sm-monitoring (s.full.js): SALESmanago's own monitoring code (sm.js: its visit history, pop-ups,
// web push) on the same page, loaded only once storing is allowed (consent.ts, every consent mode),
// and only after the first batch has had its answer, so the smclient cookie of a contact the
// collector knows is set by then (transport.ts). The collector serves the loader, m.js, beside the
// tracker, with the account's client id and endpoint (worker/shop/monitoring.ts): the merchant
// pastes one tag and configures SALESmanago in one place. For a known contact, _smclientid tells
// sm.js who it is, as SALESmanago's Magento module prints it (docs/salesmanago-api.md §6;
// docs/theme.md "Monitoring code").
import { attrs, collector } from './config';
import { can } from './consent';
import { d, w } from './env';
import { cookie, SMCLIENT } from './identity';
import { inflight, queue } from './transport';

let loaded: unknown;

/** Run on the batching tick (index.ts). */
export const monitor = () => {
  if ('smMonitoring' in attrs && !loaded && !inflight && !queue[0] && can()) {
    loaded = 1;
    const c = cookie(SMCLIENT);
    if (c) w._smclientid = c;
    // A script made by createElement is async: it never holds up the page.
    d.head.append(Object.assign(d.createElement('script'), { src: new URL('m.js', collector) }));
  }
};
