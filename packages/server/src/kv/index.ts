/** Picks the `Kv` adapter from `REDIS_URL` (SPEC §5). */
import { createMemoryKv } from './memory'
import { openRedisKv } from './redis'
import type { Kv } from './types'

export type * from './types'
export type { RedisKv } from './redis'
export { createMemoryKv, openRedisKv }

/**
 * Redis when `url` is given, otherwise the in-process store (one instance only).
 *
 * @example
 * const kv = await openKv({ url: process.env.REDIS_URL, prefix: process.env.REDIS_PREFIX ?? 'vc' })
 */
export async function openKv(opts: {
  url?: string
  prefix: string
  /** Redis connection errors after start-up; see `openRedisKv`. */
  onError?: (error: Error) => void
}): Promise<Kv> {
  const { url, prefix, onError } = opts
  return url ? openRedisKv({ url, prefix, onError }) : createMemoryKv({ prefix })
}
