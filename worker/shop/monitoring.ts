// SALESmanago's monitoring code (sm.js), as the tracker loads it with data-sm-monitoring (s.full.js,
// tracker/src/monitoring.ts): GET /m.js answers the loader that the official WooCommerce plugin prints
// into every page, with this account's client id and endpoint, so the merchant pastes one tag and
// keeps SALESmanago's values in one place (the setup page). The plugin's code (3.11.1
// `salesmanago/src/Frontend/Model/MonitCodeModel.php:29, 33-40`): `var _smid = '<client id>'`, then
// window.SalesmanagoObject = 'sm', a queueing window.sm(...) stub, and an async script
// `<endpoint>/static/sm.js`, where the endpoint is the account's base URL (SALESMANAGO_ENDPOINT, e.g.
// https://app3.salesmanago.com). The tracker sets _smclientid itself, before this runs.

export interface MonitoringAccount {
  endpoint: string;
  clientId: string;
}

/** The loader's text. Values go in through JSON.stringify: JavaScript string literals, whatever they hold. */
export function monitoringScript(account: MonitoringAccount | null): string {
  if (!account) return '/* SALESmanago is not configured yet (setup page): no monitoring code. */\n';
  const src = `${account.endpoint.replace(/\/+$/, '')}/static/sm.js`;
  return `var _smid = ${JSON.stringify(account.clientId)};
(function (w, r, a, sm) {
  w.SalesmanagoObject = r;
  w[r] = w[r] || function () { (w[r].q = w[r].q || []).push(arguments); };
  sm = document.createElement('script');
  sm.async = true;
  sm.src = a;
  document.head.appendChild(sm);
})(window, 'sm', ${JSON.stringify(src)});
`;
}
