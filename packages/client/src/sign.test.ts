import { describe, expect, it } from 'vitest'
import vectors from '../test/signature-v1.json'
import { canonicalString, createNonce, signature, signRequest } from './sign'

describe('signature (golden vectors shared with the server)', () => {
  for (const v of vectors.vectors) {
    it(`should match the vector: ${v.name}`, () => {
      expect(canonicalString(v)).toBe(v.canonical)
      expect(signature(v)).toBe(v.signature)
    })
  }
})

describe('createNonce', () => {
  it('should fit the SPEC nonce alphabet and length', () => {
    for (let i = 0; i < 50; i++) expect(createNonce()).toMatch(/^[A-Za-z0-9_-]{16,64}$/)
  })
})

describe('signRequest', () => {
  it('should stamp the four headers so that the signature verifies', () => {
    const h = signRequest({
      keyId: 'k1',
      secret: 's',
      method: 'post',
      path: '/p',
      body: '{}',
      now: () => 1_700_000_000_123,
    })
    expect(h['x-vc-key-id']).toBe('k1')
    expect(h['x-vc-timestamp']).toBe('1700000000')
    expect(h['x-vc-signature']).toBe(
      signature({
        secret: 's',
        method: 'POST',
        path: '/p',
        timestamp: 1_700_000_000,
        nonce: h['x-vc-nonce']!,
        body: '{}',
      }),
    )
  })
})
