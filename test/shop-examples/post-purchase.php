<?php
// salesmanago-edge: post a signed purchase and mint a login token with SmEdge.php.
// Usage: SHOP_API_SECRET=... php post-purchase.php https://collector.example.com
require __DIR__ . '/SmEdge.php';

$secret = (string) getenv('SHOP_API_SECRET');
if ($secret === '') {
    fwrite(STDERR, "SHOP_API_SECRET is not set: copy it from the setup page, e.g. SHOP_API_SECRET=... php post-purchase.php <collector URL>\n");
    exit(1);
}
$sm = new SmEdge($argv[1] ?? 'https://collector.example.com', $secret);
[$status, $body] = $sm->post('/api/v1/events', [
    'type' => 'purchase', 'orderId' => getenv('ORDER_ID') ?: '1002', 'email' => 'jan@example.com',
    'value' => 129.9, 'currency' => 'PLN', 'products' => [['id' => 'sku-1', 'quantity' => 2, 'price' => 64.95]],
    'occurredAt' => '2026-11-20T14:03:00+01:00', // the order's own time, not "now": a repost must be identical
]);
echo $status, ' ', json_encode($body), "\n"; // 202 {"id":"s:purchase:1002","status":"queued"}; a repost: 200 … "duplicate"

// After a successful login, render this into the page: smEdge('login', {token: '…'})
echo $sm->loginToken('jan@example.com'), "\n";
