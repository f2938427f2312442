// salesmanago-edge: post a signed purchase and mint a login token with sm-edge.mjs.
// Usage: SHOP_API_SECRET=... node post-purchase.mjs https://collector.example.com
import { mintLoginToken, postSigned } from './sm-edge.mjs';

const collector = process.argv[2] ?? 'https://collector.example.com';
const secret = process.env.SHOP_API_SECRET;
if (!secret) {
  console.error('SHOP_API_SECRET is not set: copy it from the setup page, e.g. SHOP_API_SECRET=... node post-purchase.mjs <collector URL>');
  process.exit(1);
}
const email = 'jan@example.com';
const purchase = {
  type: 'purchase', orderId: process.env.ORDER_ID ?? '1001', email, value: 129.9, currency: 'PLN',
  products: [{ id: 'sku-1', quantity: 2, price: 64.95 }],
  occurredAt: '2026-11-20T14:03:00+01:00', // the order's own time, not "now": a repost must be identical
};
const { status, body } = await postSigned(collector, '/api/v1/events', purchase, secret);
console.log(status, JSON.stringify(body)); // 202 {"id":"s:purchase:1001","status":"queued"}; a repost: 200 … "duplicate"

// After a successful login, render this into the page: smEdge('login', {token: '…'})
console.log(mintLoginToken(secret, email));
