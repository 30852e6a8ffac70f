import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../../test/services'
import { createMemoryStreamSlots } from '../memory/slots'
import { createRedisStreamSlots } from './slots'
import { keys } from '../../core/kv/keys'
import { openRedisKv, type RedisKv } from './kv'
import { runStreamSlotsContract } from '../contract/slots.contract.test'
import { withInProcessFallback } from '../slots-fallback'

let kv: RedisKv
beforeAll(async () => {
  kv = await openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
})
afterAll(() => kv.close())

runStreamSlotsContract('redis', () => createRedisStreamSlots(kv))
runStreamSlotsContract('redis, with the in-process fallback', () =>
  withInProcessFallback(createRedisStreamSlots(kv), createMemoryStreamSlots(), (err) => {
    throw err // Redis is up: the fallback must not decide
  }),
)

describe('crash safety', () => {
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

describe('withInProcessFallback', () => {
  it('should count in process while Redis is down and release there too', async () => {
    const down = await openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
    const errors: unknown[] = []
    const sut = withInProcessFallback(createRedisStreamSlots(down), createMemoryStreamSlots(), (e) =>
      errors.push(e),
    )
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
