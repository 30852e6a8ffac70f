import { describe, expect, it } from 'vitest'
import { createOwnerCache } from './owners'

describe('owner cache', () => {
  it('should remember an owner until the entry is older than ttlMs', () => {
    let t = 1000
    const owners = createOwnerCache({ maxEntries: 10, ttlMs: 100, now: () => t })
    expect(owners.has('u1', 'c1')).toBe(false)
    owners.add('u1', 'c1')
    expect(owners.has('u1', 'c1')).toBe(true)
    expect(owners.has('u2', 'c1')).toBe(false) // ownership is per user
    t += 100
    expect(owners.has('u1', 'c1')).toBe(false)
    expect(owners.size).toBe(0)
  })

  it('should drop the oldest entry beyond maxEntries', () => {
    const owners = createOwnerCache({ maxEntries: 2, ttlMs: 60_000 })
    owners.add('u', 'a')
    owners.add('u', 'b')
    owners.add('u', 'a') // refreshed: now the newest
    owners.add('u', 'c')
    expect([owners.has('u', 'a'), owners.has('u', 'b'), owners.has('u', 'c')]).toEqual([true, false, true])
  })
})
