/** The Redis backend: one `Kv` connection, one subscriber connection (the bus), everything else on them. */
import type { RedisConnection } from '../../core/kv/connection'
import { createKvLocks } from '../../core/kv/locks'
import { openRedisKv } from './kv'
import { withInProcessFallback } from '../slots-fallback'
import { createMemoryStreamSlots } from '../memory/slots'
import type { Backend, BackendOptions } from '../types'
import { openRedisBus } from './bus'
import { createRedisRateStore } from './rate-store'
import { createRedisStreamSlots } from './slots'
import { openRedisStreamLog } from './streams'

/** Connects (rejects when Redis is not reachable) and undoes what it opened when a later step fails. */
export async function openRedisBackend(
  o: BackendOptions & { connection: RedisConnection },
): Promise<Backend> {
  const kv = await openRedisKv({ connection: o.connection, prefix: o.prefix, onError: o.onError })
  const bus = await openRedisBus(kv, (err) => o.onError?.(err)).catch(async (err: unknown) => {
    await kv.close()
    throw err
  })
  const streams = await openRedisStreamLog(kv, bus, o.streams, o.onStreamLogError).catch(
    async (err: unknown) => {
      await bus.close()
      await kv.close()
      throw err
    },
  )
  return {
    kind: 'redis',
    kv,
    bus,
    streams,
    slots: withInProcessFallback(createRedisStreamSlots(kv), createMemoryStreamSlots(), o.onSlotsFallback),
    rateStore: createRedisRateStore(kv),
    locks: createKvLocks(kv),
    async close() {
      await streams.close()
      await bus.close()
      await kv.close()
    },
  }
}
