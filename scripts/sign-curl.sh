#!/usr/bin/env bash
# Signs one call to the Chat Service's internal API (request signing v1) and sends it with curl.
# Usage: scripts/sign-curl.sh <base-url> <key-id> <secret> <path> '<json body>'
set -euo pipefail
if [ $# -ne 5 ]; then
  echo "usage: $0 <base-url> <key-id> <secret> <path> '<json body>'" >&2
  exit 2
fi
base=$1 key_id=$2 secret=$3 path=$4 body=$5
# VC_TIMESTAMP / VC_NONCE pin the values (to check against the README's test vector);
# VC_PRINT_ONLY=1 prints the signature instead of calling.
timestamp=${VC_TIMESTAMP:-$(date +%s)}
nonce=${VC_NONCE:-$(openssl rand -hex 16)}
body_hash=$(printf '%s' "$body" | openssl dgst -sha256 -hex | sed 's/^.*= //')
canonical=$(printf 'v1\nPOST\n%s\n%s\n%s\n%s' "$path" "$timestamp" "$nonce" "$body_hash")
signature=$(printf '%s' "$canonical" | openssl dgst -sha256 -hmac "$secret" -hex | sed 's/^.*= //')
if [ "${VC_PRINT_ONLY:-}" = 1 ]; then
  echo "v1=$signature"
  exit 0
fi
curl -sS -X POST "$base$path" \
  -H 'content-type: application/json' \
  -H "x-vc-key-id: $key_id" \
  -H "x-vc-timestamp: $timestamp" \
  -H "x-vc-nonce: $nonce" \
  -H "x-vc-signature: v1=$signature" \
  --data-binary "$body"
