/** Redis adapter of `Kv` (shared by all instances, SPEC §6) on ioredis. */
import { Redis } from 'ioredis'
import { checkTtl } from './ttl'
import type { Kv } from './types'

/** A `Kv` on Redis that also hands out the raw client for features `Kv` does not cover. */
export interface RedisKv extends Kv {
  readonly kind: 'redis'
  /** The raw client. Keys given to it are used as-is: build them with `key()`. */
  readonly redis: Redis
  /** The full Redis key for `key`: `${prefix}:${key}`. */
  key(key: string): string
}

// Atomic compare-and-delete: a lock released late must not delete the next holder's lock.
const DEL_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

// A member (or a counter) and its expiry in one command: MULTI/EXEC would be four.
const SADD_PX = `redis.call('SADD', KEYS[1], ARGV[1]) return redis.call('PEXPIRE', KEYS[1], ARGV[2])`
// SET NX creates the key with its TTL only when absent; INCR keeps an existing TTL.
const INCR_PX = `redis.call('SET', KEYS[1], '0', 'PX', ARGV[1], 'NX') return redis.call('INCR', KEYS[1])`

interface Scripts {
  vcDelIfEquals(key: string, value: string): Promise<number>
  vcSaddPx(key: string, member: string, ttlMs: number): Promise<number>
  vcIncrPx(key: string, ttlMs: number): Promise<number>
}

/**
 * Connects to Redis at `url` and resolves once it is ready; rejects (and stops retrying) when it is not
 * reachable. Keys are stored as `${prefix}:${key}` so SCAN-based tools see the names the code uses.
 *
 * @example
 * const kv = await openRedisKv({ url: 'redis://127.0.0.1:6379', prefix: 'vc' })
 * await kv.set('lock:conv:42', 'msg_1', { ttlMs: 30_000, nx: true })
 */
export async function openRedisKv(opts: {
  url: string
  prefix: string
  /** Connection errors after start-up (ioredis reconnects by itself); unset, ioredis prints them. */
  onError?: (error: Error) => void
  /** A command Redis has not answered in this long fails (default 5 s): a stalled Redis hangs nothing. */
  commandTimeoutMs?: number
}): Promise<RedisKv> {
  // One retry per command: with Redis down a request fails within a reconnect or two instead of hanging.
  // Auto-pipelining: commands issued in the same tick share one write (a send issues a dozen).
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    commandTimeout: opts.commandTimeoutMs ?? 5_000,
    enableAutoPipelining: true,
  })
  redis.defineCommand('vcDelIfEquals', { numberOfKeys: 1, lua: DEL_IF_EQUALS })
  redis.defineCommand('vcSaddPx', { numberOfKeys: 1, lua: SADD_PX })
  redis.defineCommand('vcIncrPx', { numberOfKeys: 1, lua: INCR_PX })
  // A start-up failure reaches the caller as the rejection below; the event would only repeat it.
  const duringConnect = () => undefined
  redis.on('error', duringConnect)
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    // Named for the operator: ioredis only says "Connection is closed." (no credentials in the host).
    const where = new URL(opts.url).host
    throw new Error(`Redis at ${where} did not become ready: ${(error as Error).message}`, { cause: error })
  } finally {
    redis.off('error', duringConnect)
  }
  if (opts.onError) redis.on('error', opts.onError)
  const scripts = redis as unknown as Scripts
  const key = (k: string) => `${opts.prefix}:${k}`
  let closed = false

  return {
    kind: 'redis',
    redis,
    key,

    async get(k) {
      return redis.get(key(k))
    },

    async set(k, value, { ttlMs, nx } = {}) {
      const full = key(k)
      if (nx) {
        const reply =
          ttlMs === undefined
            ? await redis.set(full, value, 'NX')
            : await redis.set(full, value, 'PX', checkTtl(ttlMs), 'NX')
        return reply === 'OK'
      }
      if (ttlMs === undefined) await redis.set(full, value)
      else await redis.set(full, value, 'PX', checkTtl(ttlMs))
      return true
    },

    async del(...keys) {
      return keys.length === 0 ? 0 : redis.del(...keys.map(key))
    },

    async delIfEquals(k, value) {
      return (await scripts.vcDelIfEquals(key(k), value)) === 1
    },

    async pttl(k) {
      return redis.pttl(key(k))
    },

    async sadd(k, member, ttlMs) {
      if (ttlMs === undefined) await redis.sadd(key(k), member)
      else await scripts.vcSaddPx(key(k), member, checkTtl(ttlMs))
    },

    async smembers(k) {
      return redis.smembers(key(k))
    },

    async srem(k, ...members) {
      return members.length === 0 ? 0 : redis.srem(key(k), ...members)
    },

    async incr(k, ttlMs) {
      if (ttlMs === undefined) return redis.incr(key(k))
      return scripts.vcIncrPx(key(k), checkTtl(ttlMs))
    },

    async ping() {
      await redis.ping()
    },

    async close() {
      if (closed) return
      closed = true
      // QUIT needs a live connection; one that is down or reconnecting is just dropped.
      if (redis.status === 'ready') await redis.quit()
      else redis.disconnect()
    },
  }
}
