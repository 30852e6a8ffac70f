#!/usr/bin/env bash
# Volcano Chat request signing v1 with openssl, then the curl call (website A backends in shell).
#   examples/signing/shell/sign.sh                                         prints the README test vector's signature
#   examples/signing/shell/sign.sh <secret> <METHOD> <path> <timestamp> <nonce> <body>   signs those values
#   CURL_BASE=https://chat.example.com KEY_ID=site-a examples/signing/shell/sign.sh <secret> … also sends it
set -euo pipefail
if [ $# -eq 6 ]; then
  secret=$1 method=$2 path=$3 timestamp=$4 nonce=$5 body=$6
else
  secret=vc-test-secret-0123456789abcdef method=POST path=/api/internal/session/create
  timestamp=1767225600 nonce=n0nce-Fixed_0123456789 body='{"phone":"13800138000"}'
fi
# canonical = v1, METHOD, path with query as sent, timestamp, nonce, hex sha256(body); joined by \n.
body_hash=$(printf '%s' "$body" | openssl dgst -sha256 -hex | sed 's/^.*= //')
canonical=$(printf 'v1\n%s\n%s\n%s\n%s\n%s' "$method" "$path" "$timestamp" "$nonce" "$body_hash")
signature=v1=$(printf '%s' "$canonical" | openssl dgst -sha256 -hmac "$secret" -hex | sed 's/^.*= //')
if [ -z "${CURL_BASE:-}" ]; then
  echo "$signature"
  exit 0
fi
# Sign exactly the bytes you send: --data-binary keeps them as they are.
curl -sS -X "$method" "$CURL_BASE$path" \
  -H 'content-type: application/json' \
  -H "x-vc-key-id: ${KEY_ID:?set KEY_ID}" \
  -H "x-vc-timestamp: $timestamp" \
  -H "x-vc-nonce: $nonce" \
  -H "x-vc-signature: $signature" \
  --data-binary "$body"
