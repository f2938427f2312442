#!/usr/bin/env bash
# salesmanago-edge: send a test delivery to /hooks/woocommerce exactly as WooCommerce signs it
# (base64 HMAC-SHA256 of the raw body), to check the set-up before connecting the shop.
# Usage: WOOCOMMERCE_WEBHOOK_SECRET=... ./woocommerce-test-delivery.sh https://collector.example.com
set -euo pipefail
COLLECTOR="${1:?collector URL}"
BODY='{"id":'"${ORDER_ID:-1001}"',"status":"processing","currency":"PLN","total":"129.90","customer_id":0,"billing":{"first_name":"Jan","last_name":"Kowalski","email":"jan@example.com"},"line_items":[{"product_id":93,"variation_id":0,"sku":"sku-1","name":"Kubek","quantity":2,"price":64.95}],"date_paid_gmt":"2026-11-20T13:03:00"}'
SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$WOOCOMMERCE_WEBHOOK_SECRET" -binary | base64)
curl -sS -X POST "$COLLECTOR/hooks/woocommerce" \
  -H 'Content-Type: application/json' \
  -H 'X-WC-Webhook-Topic: order.updated' \
  -H "X-WC-Webhook-Delivery-ID: test-$(date +%s)-$RANDOM" \
  -H "X-WC-Webhook-Signature: $SIG" \
  --data-raw "$BODY" \
  -w '\n%{http_code}\n'
