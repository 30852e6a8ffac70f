#!/usr/bin/env python3
"""Volcano Chat request signing v1 for website A backends in Python (standard library only).

Run without arguments to print the README test vector's signature; with
`<secret> <METHOD> <path> <timestamp> <nonce> <body>` to sign those values.
`create_session()` shows the whole call to /api/internal/session/create.
"""
import hashlib
import hmac
import json
import secrets
import sys
import time
import urllib.request


def canonical(method: str, path: str, timestamp: int, nonce: str, body: bytes) -> str:
    """v1, METHOD, path with query as sent, timestamp, nonce, hex SHA-256 of the raw body; joined by \\n."""
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join(["v1", method.upper(), path, str(timestamp), nonce, body_hash])


def sign(secret: str, method: str, path: str, timestamp: int, nonce: str, body: bytes) -> str:
    """The X-VC-Signature value: v1= + lowercase hex HMAC-SHA256(secret, canonical)."""
    mac = hmac.new(secret.encode(), canonical(method, path, timestamp, nonce, body).encode(), hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(key_id: str, secret: str, method: str, path: str, body: bytes) -> dict:
    timestamp = int(time.time())
    nonce = secrets.token_hex(16)  # 32 chars of [0-9a-f]: fresh for every request
    return {
        "content-type": "application/json",
        "x-vc-key-id": key_id,
        "x-vc-timestamp": str(timestamp),
        "x-vc-nonce": nonce,
        "x-vc-signature": sign(secret, method, path, timestamp, nonce, body),
    }


def create_session(base_url: str, key_id: str, secret: str, phone: str) -> dict:
    """POST /api/internal/session/create; returns {token, expiresAt, sessionId}."""
    path = "/api/internal/session/create"
    body = json.dumps({"phone": phone}).encode()  # sign exactly the bytes you send
    request = urllib.request.Request(
        base_url + path, data=body, method="POST", headers=signed_headers(key_id, secret, "POST", path, body)
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


if __name__ == "__main__":
    if len(sys.argv) == 7:
        s, m, p, t, n, b = sys.argv[1:]
        print(sign(s, m, p, int(t), n, b.encode()))
    else:
        body = b'{"phone":"13800138000"}'
        print(sign("vc-test-secret-0123456789abcdef", "POST", "/api/internal/session/create", 1767225600,
                   "n0nce-Fixed_0123456789", body))
