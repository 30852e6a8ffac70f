/**
 * Stream slots and rate limits on a real 3-master Redis Cluster (SPEC §6): a refresh of many users'
 * slots spans many cluster slots, and rate-limiter-flexible runs on the ioredis Cluster client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisCluster } from '../../../../../test/services'
import { createMemoryStreamSlots } from '../memory/slots'
import { createRedisRateStore } from './rate-store'
import { createRedisStreamSlots } from './slots'
import { keys } from '../../core/kv/keys'
import { openRedisKv, type RedisKv } from './kv'
import { createLimiter } from '../../limits/limiter'
import { runStreamSlotsContract } from '../contract/slots.contract.test'
import { withInProcessFallback } from '../slots-fallback'

const opened: RedisKv[] = []
const storeErrors: unknown[] = []
const open = async (prefix = createTestRedisPrefix()) => {
  const kv = await openRedisKv({ connection: testRedisCluster(), prefix })
  opened.push(kv)
  return kv
}
let kv: RedisKv
beforeAll(async () => {
  kv = await open()
})
afterAll(async () => {
  for (const k of opened) await k.close()
})

runStreamSlotsContract('redis cluster', () => createRedisStreamSlots(kv))

describe('stream slots on a cluster', () => {
  it('should hand out up to the cap, count, and free on release', async () => {
    const sut = withInProcessFallback(createRedisStreamSlots(kv), createMemoryStreamSlots(), (e) =>
      storeErrors.push(e),
    )
    const a = await sut.acquire('u1', 2)
    expect(a && (await sut.acquire('u1', 2))).toBeTruthy()
    expect(await sut.acquire('u1', 2)).toBeUndefined()
    expect(await sut.count('u1')).toBe(2)
    await sut.release('u1', a!)
    expect(await sut.count('u1')).toBe(1)
    expect(a).not.toMatch(/^m:/) // from Redis, not the in-process fallback
  })

  it('should refresh the slots of many users (many cluster slots) in one call, skipping released ones', async () => {
    const sut = createRedisStreamSlots(kv)
    const held = []
    for (let i = 0; i < 700; i++) {
      const userId = `many-${i % 50}`
      held.push({ userId, slot: (await sut.acquire(userId, 1_000))! })
    }
    const slotsInUse = new Set(held.map((h) => kv.slotOf(kv.key(keys.streamSlots(h.userId)))))
    expect(slotsInUse.size).toBeGreaterThan(20)
    const soon = Date.now() + 1_000
    for (const h of held) await kv.redis.zadd(kv.key(keys.streamSlots(h.userId)), soon, h.slot)
    await sut.release(held[3]!.userId, held[3]!.slot)
    await sut.refresh(held)
    const scores = await Promise.all(
      held.map((h) => kv.redis.zscore(kv.key(keys.streamSlots(h.userId)), h.slot)),
    )
    expect(scores[3]).toBeNull()
    expect(scores.filter((s) => s !== null && Number(s) > soon + 30_000)).toHaveLength(699)
  })

  it('should have needed no in-process fallback', () => {
    expect(storeErrors).toEqual([])
  })
})

describe('rate limits on a cluster (rate-limiter-flexible on an ioredis Cluster)', () => {
  it('should share one count between two instances and refuse past the limit', async () => {
    const prefix = createTestRedisPrefix()
    const errors: unknown[] = []
    const make = async () =>
      createLimiter({
        name: 'user-minute',
        points: 2,
        durationSeconds: 60,
        store: createRedisRateStore(await open(prefix)),
        fallback: 'refuse', // a Redis failure throws instead of counting in process
        onStoreError: (e) => errors.push(e),
      })
    const [a, b] = [await make(), await make()]
    expect((await a.consume('u1')).allowed).toBe(true)
    expect((await b.consume('u1')).allowed).toBe(true)
    const refused = await a.consume('u1')
    expect(refused).toMatchObject({ allowed: false, remaining: 0 })
    expect(refused.resetMs).toBeGreaterThan(0)
    await b.refund('u1') // the refused call counted too: two refunds free one point
    await b.refund('u1')
    expect((await a.consume('u1')).allowed).toBe(true)
    // Many keys, so both the script and its keys are spread over every master.
    for (let i = 0; i < 30; i++) expect((await a.consume(`spread-${i}`)).allowed).toBe(true)
    expect(errors).toEqual([])
  })
})
