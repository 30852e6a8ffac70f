/** Picks the `Kv` adapter from the Redis configuration (SPEC §5, §6). */
import type { RedisConnection } from './connection'
import { createMemoryKv } from './memory'
import { openRedisKv } from './redis'
import type { Kv } from './types'

export type * from './types'
export type { RedisConnection } from './connection'
export type { RedisClient, RedisKv } from './redis'
export { createMemoryKv, openRedisKv }

/**
 * Redis when a connection (or `url`, one server) is given, otherwise the in-process store (one instance
 * only).
 *
 * @example
 * const kv = await openKv({ connection: config.redis, prefix: config.redisPrefix })
 */
export async function openKv(opts: {
  url?: string
  connection?: RedisConnection
  prefix: string
  /** Redis connection errors after start-up; see `openRedisKv`. */
  onError?: (error: Error) => void
}): Promise<Kv> {
  const { url, connection, prefix, onError } = opts
  return url || connection ? openRedisKv({ url, connection, prefix, onError }) : createMemoryKv({ prefix })
}
