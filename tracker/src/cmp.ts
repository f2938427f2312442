// data-consent="gcm" | "tcf" (s.cmp.js): consent from the signals consent tools already publish,
// read when the tracker starts and on every batching tick, so a tool that loads later, or a decision
// taken later, is seen within half a second. Until the tool has a decision, events are held (as
// with "required"); a refusal drops them, a later grant sends from then on.
//
// Google Consent Mode v2: the `gtag('consent', 'default' | 'update', {...})` calls, which gtag.js and
// tag managers leave in window.dataLayer as Arguments objects. Granted when ad_storage,
// analytics_storage and ad_user_data are all "granted" (SALESmanago stores an id and uses the
// visitor's data for marketing); a 'default' is no decision yet, an 'update' without all three is a
// refusal.
//
// IAB TCF v2.2: window.__tcfapi('addEventListener', 2, cb). Granted when TCF does not apply
// (gdprApplies false) or purposes 1 (store and/or access information on a device), 3 and 4 (create
// and use profiles for personalised advertising) are consented, for vendors (purpose.consents) or
// for the publisher itself (publisher.consents: the shop runs this tracker). A decision exists once
// eventStatus is "tcloaded" (a stored TC string) or "useractioncomplete"; "cmpuishown" is none yet.
import { run } from './commands';
import { mode } from './config';
import { safe, w } from './env';

let last: unknown;
let listening: unknown;

const decide = (v: unknown) => v != last && run('consent', (last = v));

// Whatever a page leaves in dataLayer, or a CMP passes back, nothing throws into it or stops the tick.
export const watchCmp = safe(() => {
  if (mode == 'gcm') {
    const s: any = {};
    let updated: unknown;
    for (const a of w.dataLayer || [])
      if (a?.[0] == 'consent' && a[2]) {
        Object.assign(s, a[2]);
        updated ||= a[1] == 'update';
      }
    const ok = s.ad_storage == s.analytics_storage && s.ad_user_data == s.ad_storage && s.ad_storage == 'granted';
    (ok || updated) && decide(ok);
  }
  // Once: a CMP's stub queues the call until the CMP itself has loaded.
  if (mode == 'tcf' && !listening && w.__tcfapi) {
    listening = 1;
    w.__tcfapi(
      'addEventListener',
      2,
      safe((t: any, ok: unknown) => {
        const c = (n: number) => t.purpose?.consents?.[n] || t.publisher?.consents?.[n];
        ok && /^(tcl|use)/.test(t.eventStatus) && decide(t.gdprApplies === false || !!(c(1) && c(3) && c(4)));
      }),
    );
  }
});
