/**
 * The `Locks` contract: `memory/kv.test.ts`, `redis/kv.int.test.ts` and `redis/kv-cluster.int.test.ts` call
 * `runLocksContract` with a `Kv` of their adapter; vitest never runs this file alone. Expiry is polled
 * with a generous deadline, never timed.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createKvLocks, type Locks } from '../../core/kv/locks'
import type { Kv } from '../../core/kv/types'

const LONG = 60_000

export function runLocksContract(name: string, open: () => Promise<Kv>): void {
  describe(`Locks contract (${name})`, () => {
    let kv: Kv
    let sut: Locks
    // Own key per test: one kv serves the whole suite.
    const lock = () => `lock:{t:${randomUUID()}}`

    beforeAll(async () => {
      kv = await open()
      sut = createKvLocks(kv)
    })
    afterAll(() => kv.close())

    it('should let one owner take a free lock and refuse it to the others while held', async () => {
      const key = lock()
      expect(await sut.holder(key)).toBeNull()
      expect(await sut.acquire(key, 'a', LONG)).toBe(true)
      expect(await sut.acquire(key, 'b', LONG)).toBe(false)
      expect(await sut.acquire(key, 'a', LONG)).toBe(false) // not re-entrant
      expect(await sut.holder(key)).toBe('a')
    })

    it('should give a contended lock to exactly one of many at once', async () => {
      const key = lock()
      const owners = Array.from({ length: 20 }, (_, i) => `o${i}`)
      const got = await Promise.all(owners.map((o) => sut.acquire(key, o, LONG)))
      expect(got.filter(Boolean)).toHaveLength(1)
      expect(await sut.holder(key)).toBe(owners[got.indexOf(true)])
    })

    it('should free a lock only for its holder, then let another take it', async () => {
      const key = lock()
      await sut.acquire(key, 'a', LONG)
      expect(await sut.release(key, 'b')).toBe(false) // released late by a former holder: no effect
      expect(await sut.holder(key)).toBe('a')
      expect(await sut.release(key, 'a')).toBe(true)
      expect(await sut.release(key, 'a')).toBe(false)
      expect(await sut.acquire(key, 'b', LONG)).toBe(true)
    })

    it('should free a lock whose holder never released it once its TTL ends', async () => {
      const key = lock()
      expect(await sut.acquire(key, 'crashed', 50)).toBe(true)
      await vi.waitFor(async () => expect(await sut.acquire(key, 'next', LONG)).toBe(true), {
        timeout: 5_000,
        interval: 10,
      })
      expect(await sut.holder(key)).toBe('next')
      expect(await sut.release(key, 'crashed')).toBe(false)
    })

    it("should push a held lock's expiry out on renew, and write it again once it was lost", async () => {
      const key = lock()
      await sut.acquire(key, 'a', 1_000)
      await sut.renew(key, 'a', LONG)
      expect(await kv.pttl(key)).toBeGreaterThan(LONG / 2)
      expect(await sut.holder(key)).toBe('a')
      await kv.del(key) // the store lost it (an empty restart)
      await sut.renew(key, 'a', LONG)
      expect(await sut.holder(key)).toBe('a')
      expect(await sut.acquire(key, 'b', LONG)).toBe(false)
      expect(await sut.release(key, 'a')).toBe(true)
    })

    it('should refuse a TTL that is not a positive whole number of ms', async () => {
      await expect(sut.acquire(lock(), 'a', 0)).rejects.toThrow(RangeError)
      await expect(sut.acquire(lock(), 'a', 1.5)).rejects.toThrow(RangeError)
      await expect(sut.renew(lock(), 'a', 0)).rejects.toThrow(RangeError)
    })
  })
}
