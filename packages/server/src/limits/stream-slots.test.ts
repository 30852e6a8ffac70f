import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../test/services'
import { openRedisKv, type RedisKv } from '../kv'
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
      await sut.refresh('u3', a)
      expect(await sut.count('u3')).toBe(1)
      await sut.release('u3', a)
      await sut.refresh('u3', a)
      expect(await sut.count('u3')).toBe(0)
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
    await kv.redis.zadd(kv.key('streams:crashed'), 1, 'dead-slot')
    expect(await sut.count('crashed')).toBe(0)
    expect(await sut.acquire('crashed', 1)).toBeTruthy()
    expect(await kv.redis.zscore(kv.key('streams:crashed'), 'dead-slot')).toBeNull()
    expect(await kv.redis.pttl(kv.key('streams:crashed'))).toBeGreaterThan(0)
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
