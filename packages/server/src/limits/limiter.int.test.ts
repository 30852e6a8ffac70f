import { afterEach, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../test/services'
import { createMemoryRateStore } from '../backends/memory/rate-store'
import { createRedisRateStore } from '../backends/redis/rate-store'
import { openRedisKv, type RedisKv } from '../backends/redis/kv'
import { createLimiter, LimiterUnavailableError, type LimiterOptions } from './limiter'

const opened: RedisKv[] = []
afterEach(async () => {
  for (const kv of opened.splice(0)) await kv.close()
})
async function redisKv(prefix = createTestRedisPrefix()) {
  const kv = await openRedisKv({ url: testRedisUrl(), prefix })
  opened.push(kv)
  return kv
}
const base = { name: 'user-minute', points: 2, durationSeconds: 60 } as const
const limiter = (o: Partial<LimiterOptions> & { kv: RedisKv | 'memory' }) =>
  createLimiter({
    ...base,
    fallback: 'memory',
    ...o,
    store: o.kv === 'memory' ? createMemoryRateStore() : createRedisRateStore(o.kv),
  })

describe('createLimiter', () => {
  it('should allow `points` per window, then refuse with the time to wait', async () => {
    const sut = limiter({ kv: 'memory' })
    expect(await sut.consume('u1')).toMatchObject({ allowed: true, limit: 2, remaining: 1 })
    expect(await sut.consume('u1')).toMatchObject({ allowed: true, remaining: 0 })
    const refused = await sut.consume('u1')
    expect(refused).toMatchObject({ allowed: false, remaining: 0, name: 'user-minute' })
    expect(refused.resetMs).toBeGreaterThan(0)
    expect(refused.resetMs).toBeLessThanOrEqual(60_000)
    expect(await sut.consume('u2')).toMatchObject({ allowed: true })
  })

  it('should share one count between limiters on the same Redis prefix (two instances)', async () => {
    const prefix = createTestRedisPrefix()
    const a = limiter({ kv: await redisKv(prefix) })
    const b = limiter({ kv: await redisKv(prefix) })
    expect((await a.consume('u1')).allowed).toBe(true)
    expect((await b.consume('u1')).allowed).toBe(true)
    expect((await a.consume('u1')).allowed).toBe(false)
    const keys = await opened[0]!.redis.keys(`${prefix}:rl:user-minute:*`)
    expect(keys).toEqual([`${prefix}:rl:user-minute:u1`])
  })

  it('should fall back to in-process counting when Redis is down and told to fail open', async () => {
    const kv = await redisKv()
    const errors: unknown[] = []
    const sut = limiter({ kv, onStoreError: (e) => errors.push(e) })
    kv.redis.disconnect()
    expect(await sut.consume('u1')).toMatchObject({ allowed: true, remaining: 1 })
    expect(await sut.consume('u1')).toMatchObject({ allowed: true, remaining: 0 })
    expect(await sut.consume('u1')).toMatchObject({ allowed: false })
    expect(errors).toHaveLength(3)
  })

  it('should refuse to decide when Redis is down and told to fail closed', async () => {
    const kv = await redisKv()
    const sut = limiter({ kv, name: 's2s-key', fallback: 'refuse' })
    kv.redis.disconnect()
    await expect(sut.consume('site-a')).rejects.toBeInstanceOf(LimiterUnavailableError)
  })
})
