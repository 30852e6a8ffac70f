/**
 * The key-value seam (SPEC §5, §6): the `Kv` interface and its in-process adapter. The Redis adapter
 * (`redis.ts`) is opened by the Redis backend only (`backends/`), so no feature reaches the raw client.
 */
import { createMemoryKv } from './memory'

export type * from '../core/kv/types'
export type { RedisConnection } from '../core/kv/connection'
export { createMemoryKv }
