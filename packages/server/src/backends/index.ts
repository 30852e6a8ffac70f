/**
 * The one place the service chooses Redis or in process (SPEC §4, §6): `openBackend` gives the kv, the
 * stream log, the stream slots, the rate-limit store, the locks and the bus, all from one backend.
 */
import type { RedisConnection } from '../core/kv/connection'
import { createMemoryBackend } from './memory'
import { openRedisBackend } from './redis'
import type { Backend, BackendOptions } from './types'

export type { Backend, BackendOptions } from './types'

/** The parts of the service's config a backend reads (`Config` has them). */
export interface BackendConfig {
  /** Where Redis is; undefined = in process. */
  redis?: RedisConnection
  redisPrefix: string
  streams: { retentionMs: number; maxAnswerMs: number }
}

/**
 * @example
 * const backend = await openBackend(config, { onError: (err) => log.warn({ err: err.message }) })
 * const limits = createLimits({ config: config.limits, rateStore: backend.rateStore, slots: backend.slots })
 */
export async function openBackend(
  config: BackendConfig,
  hooks: Omit<BackendOptions, 'prefix' | 'streams'> = {},
): Promise<Backend> {
  const { retentionMs, maxAnswerMs } = config.streams
  const o: BackendOptions = {
    ...hooks,
    prefix: config.redisPrefix,
    // An unfinished log lives as long as an answer may run, then as long as a finished one.
    streams: { retentionMs, openTtlMs: maxAnswerMs + retentionMs },
  }
  return config.redis ? openRedisBackend({ ...o, connection: config.redis }) : createMemoryBackend(o)
}
