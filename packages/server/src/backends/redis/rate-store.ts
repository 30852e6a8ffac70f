/** Rate-limit counters on Redis, shared by every instance (rate-limiter-flexible's Redis store). */
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { rateLimitPrefix } from '../../core/kv/keys'
import type { RedisKv } from './kv'
import type { RateStore } from '../../limits/types'

export function createRedisRateStore(kv: RedisKv): RateStore {
  return {
    shared: true,
    reachable: () => kv.redis.status === 'ready',
    limiter: (o) =>
      new RateLimiterRedis({
        points: o.points,
        duration: o.durationSeconds,
        // One key per command, so a Redis Cluster client serves as well (limits-cluster.int.test.ts).
        storeClient: kv.redis,
        keyPrefix: kv.key(rateLimitPrefix(o.name)),
        // Redis down: fail at once instead of queueing behind ioredis' reconnects.
        rejectIfRedisNotReady: true,
      }),
  }
}
