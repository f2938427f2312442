// A shop for the browser tests of docs/theme.md "First-party mode" and the consent tools: it serves its own
// pages and, like the nginx rule of docs/theme.md, proxies <prefix>/ to the worker (the same path there), so
// the tracker and its endpoint are on the shop's own origin. Pages:
//   /first-party            the snippet from <prefix>/s.js, and a newsletter call
//   /gcm, /tcf              s.cmp.js from the worker's origin with data-consent="gcm" | "tcf", a stub
//                           consent tool (gtag + dataLayer, or __tcfapi) and #accept / #reject buttons
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FirstPartyShop {
  url: string;
  close: () => Promise<void>;
}

const page = (head: string, body = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>${head}</head><body><h1>Shop</h1>${body}</body></html>`;

const queueStub = `<script>window.smEdge=window.smEdge||function(){(smEdge.q=smEdge.q||[]).push(arguments)}</script>`;

/** Google Consent Mode v2 as a consent tool sets it up: denied by default, updated on a choice. */
const gcmTool = `<script>
window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('consent', 'default', {ad_storage: 'denied', analytics_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied'});
function choose(v){gtag('consent', 'update', {ad_storage: v, analytics_storage: v, ad_user_data: v, ad_personalization: v});}
</script>`;

/** A TCF v2.2 CMP reduced to its API: addEventListener calls back now (UI shown) and on a choice. */
const tcfTool = `<script>
(function(){
  var listeners = [], tc = {tcString: '', eventStatus: 'cmpuishown', cmpStatus: 'loaded', gdprApplies: true, purpose: {consents: {}}, publisher: {consents: {}}};
  window.__tcfapi = function(command, version, cb){
    if (command === 'addEventListener' && version === 2) { listeners.push(cb); cb(tc, true); }
  };
  window.choose = function(v){
    var c = {}; for (var i = 1; i <= 10; i++) c[i] = v === 'granted';
    tc = {tcString: 'CPstub', eventStatus: 'useractioncomplete', cmpStatus: 'loaded', gdprApplies: true, purpose: {consents: c}, publisher: {consents: {}}};
    listeners.forEach(function(cb){ cb(tc, true); });
  };
})();
</script>`;

const buttons = `<button id="accept" onclick="choose('granted')">OK</button><button id="reject" onclick="choose('denied')">No</button>`;

async function forward(req: IncomingMessage, target: string): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection'].includes(k)) headers.set(k, v);
  return fetch(target, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: 'manual' });
}

export async function startFirstPartyShop(options: { workerUrl: string; prefix: string }): Promise<FirstPartyShop> {
  const { workerUrl, prefix } = options;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    try {
      if (url.pathname.startsWith(`${prefix}/`)) {
        const answer = await forward(req, workerUrl + url.pathname + url.search);
        const headers: Record<string, string> = {};
        answer.headers.forEach((v, k) => {
          if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) headers[k] = v;
        });
        res.writeHead(answer.status, headers);
        return res.end(Buffer.from(await answer.arrayBuffer()));
      }
      const html =
        url.pathname === '/first-party'
          ? page(
              `<script async src="${prefix}/s.js" data-allow-automation></script>${queueStub}`,
              `<script>smEdge('newsletter', {email: ${JSON.stringify(url.searchParams.get('email') ?? '')}})</script>`,
            )
          : url.pathname === '/gcm' || url.pathname === '/tcf'
            ? page(
                `${url.pathname === '/gcm' ? gcmTool : tcfTool}<script async src="${workerUrl}/s.cmp.js" data-consent="${url.pathname.slice(1)}" data-allow-automation></script>${queueStub}`,
                `${buttons}<script>smEdge('newsletter', {email: ${JSON.stringify(url.searchParams.get('email') ?? '')}})</script>`,
              )
            : null;
      if (!html) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return res.end('not found');
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(html);
    } catch (err) {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
