import { describe, expect, it } from 'vitest'
import vectors from '../../../../client/test/signature-v1.json'
import { createMemoryKv } from '../../backends/memory/kv'
import type { Kv } from '../kv/types'
import { canonical, checkSignature, spendNonce, type SignedRequest } from './s2s-signature'

/** The S2S hook's order: the in-process checks first, so a forged request never reaches the nonce. */
async function verifySignedRequest(
  r: SignedRequest,
  deps: { keys: ReadonlyMap<string, string>; kv: Kv; nowMs: number },
): Promise<string> {
  const signed = checkSignature(r, deps)
  await spendNonce(deps.kv, signed)
  return signed.keyId
}

const v = vectors.vectors[0]!
const keys = new Map([['k1', v.secret]])
const headers = (over: Record<string, string> = {}) => ({
  'x-vc-key-id': 'k1',
  'x-vc-timestamp': String(v.timestamp),
  'x-vc-nonce': v.nonce,
  'x-vc-signature': v.signature,
  ...over,
})
const req = (h = headers(), body = v.body) => ({
  method: v.method,
  url: v.path,
  headers: h,
  body: Buffer.from(body),
})
const at = v.timestamp * 1000

describe('canonical', () => {
  for (const g of vectors.vectors) {
    it(`should match the golden vector: ${g.name}`, () => {
      expect(canonical(g.method, g.path, String(g.timestamp), g.nonce, Buffer.from(g.body))).toBe(g.canonical)
    })
  }
})

describe('checkSignature, then spendNonce', () => {
  it('should accept the README test vector and return the key id', async () => {
    expect(await verifySignedRequest(req(), { keys, kv: createMemoryKv(), nowMs: at })).toBe('k1')
  })

  it.each([
    ['unknown key', req(headers({ 'x-vc-key-id': 'nope' })), 'UNKNOWN_KEY'],
    // The window is checked before the key, so a stale request tells nothing about which ids exist.
    [
      'unknown key with a stale timestamp',
      req(headers({ 'x-vc-key-id': 'nope' })),
      'TIMESTAMP_OUT_OF_WINDOW',
      at + 301_000,
    ],
    ['timestamp too old', req(), 'TIMESTAMP_OUT_OF_WINDOW', at + 301_000],
    ['timestamp in the future', req(), 'TIMESTAMP_OUT_OF_WINDOW', at - 301_000],
    ['bad signature', req(headers({ 'x-vc-signature': 'v1=' + '0'.repeat(64) })), 'SIGNATURE_INVALID'],
    ['signature not hex', req(headers({ 'x-vc-signature': 'v1=zz' })), 'SIGNATURE_INVALID'],
    ['body changed after signing', req(headers(), v.body.replace('8000', '8001')), 'SIGNATURE_INVALID'],
    ['missing nonce', req({ ...headers(), 'x-vc-nonce': '' }), 'SIGNATURE_INVALID'],
    ['nonce too short', req(headers({ 'x-vc-nonce': 'short' })), 'SIGNATURE_INVALID'],
  ])('should reject %s', async (_name, r, code, now = at) => {
    await expect(verifySignedRequest(r, { keys, kv: createMemoryKv(), nowMs: now })).rejects.toMatchObject({
      code,
    })
  })

  it('should reject a replayed nonce', async () => {
    const kv = createMemoryKv()
    await verifySignedRequest(req(), { keys, kv, nowMs: at })
    await expect(verifySignedRequest(req(), { keys, kv, nowMs: at })).rejects.toMatchObject({
      code: 'NONCE_REPLAYED',
    })
  })

  it('should not burn the nonce of a forged request', async () => {
    const kv = createMemoryKv()
    const forged = req(headers({ 'x-vc-signature': 'v1=' + 'a'.repeat(64) }))
    await expect(verifySignedRequest(forged, { keys, kv, nowMs: at })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
    expect(await verifySignedRequest(req(), { keys, kv, nowMs: at })).toBe('k1')
  })

  it('should accept either of two keys during rotation', async () => {
    const both = new Map([...keys, ['k2', 'second-secret-0123456789']])
    expect(await verifySignedRequest(req(), { keys: both, kv: createMemoryKv(), nowMs: at })).toBe('k1')
  })
})
