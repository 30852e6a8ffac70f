import { describe, expect, it } from 'vitest'
import type { AuditRow } from '../store/types'
import { chainKeyFrom, GENESIS, hashOf } from './chain'

const key = chainKeyFrom('test-secret')

describe('hashOf', () => {
  it('should change when any field or the previous hash changes', () => {
    const row: Omit<AuditRow, 'hash'> = {
      ...{ id: 'a', seq: 1, at: 1, action: 'x', outcome: 'allowed', reason: null, userId: null },
      ...{ phoneMasked: null, clientIp: null, userAgent: null, keyId: null, requestId: null, detail: null },
      prevHash: GENESIS,
    }
    const h = hashOf(key, row)
    expect(hashOf(key, { ...row })).toBe(h)
    for (const over of [{ seq: 2 }, { reason: '' }, { prevHash: 'f'.repeat(64) }, { userId: 'null' }])
      expect(hashOf(key, { ...row, ...over })).not.toBe(h)
    expect(hashOf(chainKeyFrom('other'), row)).not.toBe(h)
  })
})
