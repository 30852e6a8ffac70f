/**
 * The `StreamSlots` contract (issue 6): `memory/slots.test.ts` (in process), `redis/slots.int.test.ts`
 * (Redis, alone and behind the in-process fallback) and `redis/limits-cluster.int.test.ts` (a Redis Cluster)
 * call `runStreamSlotsContract`; vitest never runs this file alone. Each test uses users of its own,
 * so `make` may hand back slots on the same store every time.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { StreamSlots } from '../../limits/types'

/** `slots` with every user id made unique to one test. */
function ownUsers(slots: StreamSlots): StreamSlots {
  const run = randomUUID()
  const id = (userId: string) => `${run}:${userId}`
  return {
    acquire: (userId, cap) => slots.acquire(id(userId), cap),
    refresh: (held) => slots.refresh([...held].map((h) => ({ userId: id(h.userId), slot: h.slot }))),
    release: (userId, slot) => slots.release(id(userId), slot),
    count: (userId) => slots.count(id(userId)),
  }
}

export function runStreamSlotsContract(name: string, make: () => StreamSlots) {
  describe(`StreamSlots contract (${name})`, () => {
    it('should hand out up to the cap and free a slot on release', async () => {
      const sut = ownUsers(make())
      const a = await sut.acquire('u1', 2)
      const b = await sut.acquire('u1', 2)
      expect(a && b).toBeTruthy()
      expect(await sut.acquire('u1', 2)).toBeUndefined()
      expect(await sut.acquire('u2', 2)).toBeTruthy()
      expect(await sut.count('u1')).toBe(2)
      await sut.release('u1', a!)
      expect(await sut.count('u1')).toBe(1)
      expect(await sut.acquire('u1', 2)).toBeTruthy()
    })

    it('should keep a refreshed slot and ignore refreshing a released one', async () => {
      const sut = ownUsers(make())
      const a = (await sut.acquire('u3', 1))!
      await sut.refresh([{ userId: 'u3', slot: a }])
      expect(await sut.count('u3')).toBe(1)
      await sut.release('u3', a)
      await sut.refresh([{ userId: 'u3', slot: a }])
      expect(await sut.count('u3')).toBe(0)
    })

    it('should refresh many slots of many users in one call', async () => {
      const sut = ownUsers(make())
      const held = []
      for (let i = 0; i < 1_200; i++) {
        const userId = `many-${i % 7}`
        held.push({ userId, slot: (await sut.acquire(userId, 1_000))! })
      }
      await sut.release(held[0]!.userId, held[0]!.slot)
      await sut.refresh(held)
      const counts = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((u) => sut.count(`many-${u}`)))
      expect(counts.reduce((a, b) => a + b)).toBe(1_199)
    })
  })
}
