import { createHash, createHmac, randomBytes } from 'node:crypto'

/** Header names of request signing v1 (SPEC §2.1). */
export const SIGNATURE_HEADERS = {
  keyId: 'x-vc-key-id',
  timestamp: 'x-vc-timestamp',
  nonce: 'x-vc-nonce',
  signature: 'x-vc-signature',
} as const

export interface SignInput {
  secret: string
  method: string
  /** Path with the query string exactly as sent, e.g. `/api/internal/session/create?x=1`. */
  path: string
  /** Unix seconds; a verifier passes the header's text as received. */
  timestamp: number | string
  nonce: string
  body: string | Uint8Array
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')

/**
 * The v1 canonical string: `v1`, METHOD, path+query, timestamp, nonce, hex SHA-256 of the raw body,
 * joined with `\n` and no trailing newline.
 */
export function canonicalString(input: Omit<SignInput, 'secret'>): string {
  return [
    'v1',
    input.method.toUpperCase(),
    input.path,
    String(input.timestamp),
    input.nonce,
    sha256Hex(input.body),
  ].join('\n')
}

/**
 * The `X-VC-Signature` value for a request.
 * @example signature({ secret, method: 'POST', path: '/api/internal/session/create', timestamp, nonce, body })
 * // → 'v1=5f0c…'
 */
export function signature(input: SignInput): string {
  return `v1=${createHmac('sha256', input.secret).update(canonicalString(input)).digest('hex')}`
}

/** A fresh nonce: 32 URL-safe characters (within SPEC's 16–64 `[A-Za-z0-9_-]`). */
export const createNonce = () => randomBytes(24).toString('base64url')

/** All four signing headers for one request, stamped now. */
export function signRequest(opts: {
  keyId: string
  secret: string
  method: string
  path: string
  body: string | Uint8Array
  now?: () => number
}): Record<string, string> {
  const timestamp = Math.floor((opts.now?.() ?? Date.now()) / 1000)
  const nonce = createNonce()
  return {
    [SIGNATURE_HEADERS.keyId]: opts.keyId,
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature({ ...opts, timestamp, nonce }),
  }
}
