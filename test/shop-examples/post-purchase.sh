#!/usr/bin/env bash
# salesmanago-edge: a signed POST /api/v1/events with curl and openssl.
# Usage: SHOP_API_SECRET=... ./post-purchase.sh https://collector.example.com
set -euo pipefail
: "${SHOP_API_SECRET:?is not set: copy it from the setup page, e.g. SHOP_API_SECRET=... ./post-purchase.sh <collector URL>}"
COLLECTOR="${1:?collector URL}"
PATH_Q="/api/v1/events"
BODY='{"type":"purchase","orderId":"'"${ORDER_ID:-1003}"'","email":"jan@example.com","value":129.9,"currency":"PLN","products":[{"id":"sku-1","quantity":2,"price":64.95}],"occurredAt":"2026-11-20T14:03:00+01:00"}'
T=$(date +%s)
SIG=$(printf '%s' "$T.POST.$PATH_Q.$BODY" | openssl dgst -sha256 -hmac "$SHOP_API_SECRET" -r | cut -d' ' -f1)
curl -sS -X POST "$COLLECTOR$PATH_Q" \
  -H 'Content-Type: application/json' \
  -H "Sm-Edge-Signature: t=$T,v1=$SIG" \
  --data-raw "$BODY" \
  -w '\n%{http_code}\n'
