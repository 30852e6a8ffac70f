import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../test/services'
import { openRedisKv, type RedisKv } from '../kv'
import { keys } from '../kv/keys'
import {
  createMemoryStreamSlots,
  createRedisStreamSlots,
  createStreamSlots,
  type StreamSlots,
} from './stream-slots'

let kv: RedisKv
beforeAll(async () => {
  kv = await openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
})
afterAll(() => kv.close())

function contract(name: string, make: () => StreamSlots) {
  describe(`stream slots (${name})`, () => {
    it('should hand out up to the cap and free a slot on release', async () => {
      const sut = make()
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
      const sut = make()
      const a = (await sut.acquire('u3', 1))!
      await sut.refresh([{ userId: 'u3', slot: a }])
      expect(await sut.count('u3')).toBe(1)
      await sut.release('u3', a)
      await sut.refresh([{ userId: 'u3', slot: a }])
      expect(await sut.count('u3')).toBe(0)
    })

    it('should refresh many slots of many users in one call', async () => {
      const sut = make()
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

contract('memory', () => createMemoryStreamSlots())
contract('redis', () => createRedisStreamSlots(kv))

describe('crash safety', () => {
  it('should free the slots of a crashed instance once they expire (memory)', async () => {
    let t = 1_000
    const sut = createMemoryStreamSlots(60_000, () => t)
    await sut.acquire('u1', 1)
    expect(await sut.acquire('u1', 1)).toBeUndefined()
    t += 60_001 // the holder died without releasing or refreshing
    expect(await sut.acquire('u1', 1)).toBeTruthy()
  })

  it('should free the slots of a crashed instance once they expire (redis)', async () => {
    const sut = createRedisStreamSlots(kv)
    // What a dead instance leaves behind: a slot whose expiry score has passed.
    await kv.redis.zadd(kv.key(keys.streamSlots('crashed')), 1, 'dead-slot')
    expect(await sut.count('crashed')).toBe(0)
    expect(await sut.acquire('crashed', 1)).toBeTruthy()
    expect(await kv.redis.zscore(kv.key(keys.streamSlots('crashed')), 'dead-slot')).toBeNull()
    expect(await kv.redis.pttl(kv.key(keys.streamSlots('crashed')))).toBeGreaterThan(0)
  })
})

describe('refresh (redis)', () => {
  it('should push the expiry of every held slot out, across batches, and skip released ones', async () => {
    const sut = createRedisStreamSlots(kv)
    const held = []
    for (let i = 0; i < 1_100; i++)
      held.push({ userId: `r-${i % 3}`, slot: (await sut.acquire(`r-${i % 3}`, 1_000))! })
    const soon = Date.now() + 1_000
    for (const h of held) await kv.redis.zadd(kv.key(keys.streamSlots(h.userId)), soon, h.slot)
    await sut.release(held[5]!.userId, held[5]!.slot)
    await sut.refresh(held)
    const scores = await Promise.all(
      held.map((h) => kv.redis.zscore(kv.key(keys.streamSlots(h.userId)), h.slot)),
    )
    expect(scores[5]).toBeNull()
    expect(scores.filter((s) => s !== null && Number(s) > soon + 30_000)).toHaveLength(1_099)
  })
})

describe('createStreamSlots', () => {
  it('should count in process while Redis is down and release there too', async () => {
    const down = await openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
    const errors: unknown[] = []
    const sut = createStreamSlots(down, (e) => errors.push(e))
    down.redis.disconnect()
    const slot = await sut.acquire('u1', 1)
    expect(slot).toMatch(/^m:/)
    expect(await sut.acquire('u1', 1)).toBeUndefined()
    await sut.release('u1', slot!)
    expect(await sut.acquire('u1', 1)).toBeTruthy()
    expect(errors.length).toBeGreaterThan(0)
    await down.close()
  })
})
