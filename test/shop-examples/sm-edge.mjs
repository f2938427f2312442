// salesmanago-edge: calling the shop server API from Node.js (18+), no dependencies.
// Copy this file into your shop's code base; see docs/shop-server.md "Shop server API".
import { createHmac } from 'node:crypto';

/** The Sm-Edge-Signature header for one request: HMAC-SHA256 over `<t>.<METHOD>.<path with query>.<raw body>`. */
export function signature(secret, method, pathWithQuery, rawBody, t = Math.floor(Date.now() / 1000)) {
  const v1 = createHmac('sha256', secret).update(`${t}.${method.toUpperCase()}.${pathWithQuery}.${rawBody}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** POSTs a JSON body, signed. Sign the exact bytes you send: serialise once, sign that string, send it. */
export async function postSigned(collectorUrl, path, body, secret) {
  const raw = JSON.stringify(body);
  const res = await fetch(new URL(path, collectorUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': signature(secret, 'POST', path, raw) },
    body: raw,
  });
  return { status: res.status, body: await res.json() };
}

/** A login token for the storefront's `smEdge('login', {token})`, valid for `ttlSeconds`. */
export function mintLoginToken(secret, email, ttlSeconds = 600, now = Date.now()) {
  const b64 = Buffer.from(email, 'utf8').toString('base64url'); // base64url, no padding
  const exp = Math.floor(now / 1000) + ttlSeconds;
  const sig = createHmac('sha256', secret).update(`login.${b64}.${exp}`).digest('hex');
  return `${b64}.${exp}.${sig}`;
}
