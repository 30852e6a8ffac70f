/** Hand-signed S2S calls for tests, so any header can be broken on purpose. */
import { signature } from '@volcano-chat/client'
import { S2S_KEY } from './harness'

export interface SignedCall {
  status: number
  headers: Headers
  json: { error?: { code: string; requestId: string; limit?: string } } & Record<string, unknown>
}

let nonces = 0

/** POSTs `body` to `path`, signed with `key`; `over` replaces or adds headers after signing. */
export async function signedPost(
  baseUrl: string,
  path: string,
  body: string,
  over: Record<string, string> = {},
  key: { id: string; secret: string } = S2S_KEY,
): Promise<SignedCall> {
  const timestamp = Number(over['x-vc-timestamp'] ?? Math.floor(Date.now() / 1000))
  const nonce =
    over['x-vc-nonce'] ?? `nonce_${process.pid}_${++nonces}_${Math.random().toString(36).slice(2)}`
  const headers = {
    'content-type': 'application/json',
    'x-vc-key-id': key.id,
    'x-vc-timestamp': String(timestamp),
    'x-vc-nonce': nonce,
    'x-vc-signature': signature({ secret: key.secret, method: 'POST', path, timestamp, nonce, body }),
    ...over,
  }
  const res = await fetch(baseUrl + path, { method: 'POST', headers, body })
  return { status: res.status, headers: res.headers, json: (await res.json()) as SignedCall['json'] }
}
