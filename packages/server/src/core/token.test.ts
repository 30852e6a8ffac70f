import { describe, expect, it } from 'vitest'
import { newToken } from './token'

describe('newToken', () => {
  it('should give 256-bit base64url tokens, all different across pool refills', () => {
    const tokens = Array.from({ length: 1_000 }, newToken)
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(Buffer.from(t, 'base64url')).toHaveLength(32)
    }
    expect(new Set(tokens).size).toBe(tokens.length)
  })
})
