/**
 * Verifies request signing v1 (SPEC §2.1) for website A's server-to-server calls. The order matters:
 * timestamp window → key → signature (constant time) → nonce, so a forged request cannot burn a nonce,
 * and an unknown key id meets the same checks, and the same HMAC work, as a known one: nothing but
 * the audit row tells them apart (issue 20, finding 9; the caller sees SIGNATURE_INVALID for both).
 * The first three are in-process (`checkSignature`); the nonce is spent in Redis (`spendNonce`), which
 * lets a caller send it beside other Redis work.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { VcError } from '../errors'
import { keys } from '../kv/keys'
import type { Kv } from '../kv/types'

export const TIMESTAMP_WINDOW_SECONDS = 300
export const NONCE_TTL_SECONDS = 600
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/
const SIGNATURE_PATTERN = /^v1=[0-9a-f]{64}$/
/** Keys the HMAC of a request whose key id is unknown, so it costs what a known key's does. */
const UNKNOWN_KEY_SECRET = randomBytes(32)

export interface SignedRequest {
  method: string
  /** Path with query exactly as received (the raw request URL). */
  url: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

const header = (h: SignedRequest['headers'], name: string) => {
  const v = h[name]
  return Array.isArray(v) ? undefined : v // a repeated signing header is ambiguous: treat as missing
}

export function canonical(method: string, url: string, timestamp: string, nonce: string, body: Buffer) {
  const bodyHash = createHash('sha256').update(body).digest('hex')
  return ['v1', method.toUpperCase(), url, timestamp, nonce, bodyHash].join('\n')
}

/**
 * Everything but the nonce's freshness, in-process.
 * @throws VcError TIMESTAMP_OUT_OF_WINDOW | UNKNOWN_KEY | SIGNATURE_INVALID
 */
export function checkSignature(
  req: SignedRequest,
  deps: { keys: ReadonlyMap<string, string>; nowMs: number },
): { keyId: string; nonce: string } {
  const keyId = header(req.headers, 'x-vc-key-id')
  const timestamp = header(req.headers, 'x-vc-timestamp')
  const nonce = header(req.headers, 'x-vc-nonce')
  const sig = header(req.headers, 'x-vc-signature')
  if (!keyId || !timestamp || !nonce || !sig) {
    throw new VcError(
      'VC_ERR_SIGNATURE_INVALID',
      'Missing X-VC-Key-Id, X-VC-Timestamp, X-VC-Nonce or X-VC-Signature',
    )
  }
  if (
    !/^\d{1,12}$/.test(timestamp) ||
    Math.abs(deps.nowMs / 1000 - Number(timestamp)) > TIMESTAMP_WINDOW_SECONDS
  ) {
    throw new VcError('VC_ERR_TIMESTAMP_OUT_OF_WINDOW')
  }
  if (!NONCE_PATTERN.test(nonce))
    throw new VcError('VC_ERR_SIGNATURE_INVALID', 'X-VC-Nonce must be 16–64 of [A-Za-z0-9_-]')
  if (!SIGNATURE_PATTERN.test(sig))
    throw new VcError('VC_ERR_SIGNATURE_INVALID', 'X-VC-Signature must be v1=<64 hex>')
  const secret = deps.keys.get(keyId)
  const expected = createHmac('sha256', secret ?? UNKNOWN_KEY_SECRET)
    .update(canonical(req.method, req.url, timestamp, nonce, req.body))
    .digest()
  if (secret === undefined) throw new VcError('VC_ERR_UNKNOWN_KEY')
  if (!timingSafeEqual(expected, Buffer.from(sig.slice(3), 'hex')))
    throw new VcError('VC_ERR_SIGNATURE_INVALID')
  return { keyId, nonce }
}

/**
 * Marks a verified request's nonce as used for `NONCE_TTL_SECONDS`.
 * @throws VcError NONCE_REPLAYED when it was used before
 */
export async function spendNonce(kv: Kv, signed: { keyId: string; nonce: string }): Promise<void> {
  const fresh = await kv.set(keys.s2sNonce(signed.keyId, signed.nonce), '1', {
    nx: true,
    ttlMs: NONCE_TTL_SECONDS * 1000,
  })
  if (!fresh) throw new VcError('VC_ERR_NONCE_REPLAYED')
}
