/** Redis adapter of `Kv` (shared by all instances, SPEC §6) on ioredis: one server, Cluster or Sentinel. */
import calculateSlot from 'cluster-key-slot'
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { describeConnection, type RedisConnection } from '../../core/kv/connection'
import { checkTtl } from '../ttl'
import type { Kv } from '../../core/kv/types'

/** A single server (also behind Sentinel) or a Redis Cluster: the same commands, routed by key on a cluster. */
export type RedisClient = Redis | Cluster

/**
 * A `Kv` on Redis that also hands out the raw client, for the Redis backend's own adapters only
 * (`backends/redis/*`: stream log, slots, rate store, bus); features get interfaces from `openBackend`.
 */
export interface RedisKv extends Kv {
  readonly kind: 'redis'
  /**
   * The raw client. Keys given to it are used as-is: build them with `key()`. On a cluster every command
   * (and every script) must touch keys of one slot only: group them with `slotOf()`.
   */
  readonly redis: RedisClient
  readonly cluster: boolean
  /** The full Redis key for `key`: `${prefix}:${key}`. */
  key(key: string): string
  /** The cluster slot of a full key (0 when not on a cluster: everything is one group). */
  slotOf(fullKey: string): number
  /**
   * A new connection for SUBSCRIBE (a cluster-wide one on a cluster), ready when it resolves; `name`
   * names it in CLIENT LIST. The backend's `Bus` opens the one an instance has.
   */
  openSubscriber(name?: string): Promise<RedisClient>
}

// Atomic compare-and-delete: a lock released late must not delete the next holder's lock.
const DEL_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

// A member (or a counter) and its expiry in one command: MULTI/EXEC would be four.
const SADD_PX = `redis.call('SADD', KEYS[1], ARGV[1]) return redis.call('PEXPIRE', KEYS[1], ARGV[2])`
// SET NX creates the key with its TTL only when absent; INCR keeps an existing TTL.
const INCR_PX = `redis.call('SET', KEYS[1], '0', 'PX', ARGV[1], 'NX') return redis.call('INCR', KEYS[1])`
// ARGV: member, expiresAt, now. Prune, then live exactly as long as the latest member.
const ZADD_EXPIRING = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #top == 0 then return 0 end
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil(tonumber(top[2]) - tonumber(ARGV[3]))))
return redis.call('ZCARD', KEYS[1])`

interface Scripts {
  vcDelIfEquals(key: string, value: string): Promise<number>
  vcSaddPx(key: string, member: string, ttlMs: number): Promise<number>
  vcIncrPx(key: string, ttlMs: number): Promise<number>
  vcZaddExpiring(key: string, member: string, expiresAt: number, now: number): Promise<number>
}

/**
 * Scripts of other modules that take a variable number of keys (their key count comes first). On a
 * cluster, auto-pipelining would route them by that count instead of by their first key, so they are
 * sent on their own; each call's keys are in one slot (the callers group them with `slotOf`).
 */
export const VARIADIC_SCRIPTS = ['vcStreamAppend', 'vcSlotRefresh']

const score = (n: number) => (n === Infinity ? '+inf' : n === -Infinity ? '-inf' : String(n))

/**
 * Connects to Redis and resolves once it is ready; rejects (and stops retrying) when it is not
 * reachable. Keys are stored as `${prefix}:${key}` so SCAN-based tools see the names the code uses.
 * `url` is short for `connection: { mode: 'single', url }`.
 *
 * @example
 * const kv = await openRedisKv({ url: 'redis://127.0.0.1:6379', prefix: 'vc' })
 * const onCluster = await openRedisKv({
 *   connection: { mode: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }] },
 *   prefix: 'vc',
 * })
 * await kv.set(keys.conversationBusy('c1'), 'msg_1', { ttlMs: 30_000, nx: true })
 */
export async function openRedisKv(opts: {
  url?: string
  connection?: RedisConnection
  prefix: string
  /** Connection errors after start-up (ioredis reconnects by itself); unset, ioredis prints them. */
  onError?: (error: Error) => void
  /** A command Redis has not answered in this long fails (default 5 s): a stalled Redis hangs nothing. */
  commandTimeoutMs?: number
}): Promise<RedisKv> {
  const connection = opts.connection ?? (opts.url ? { mode: 'single' as const, url: opts.url } : undefined)
  if (!connection) throw new Error('openRedisKv: give url or connection')
  const commandTimeout = opts.commandTimeoutMs ?? 5_000
  const redis = createClient(connection, commandTimeout)
  redis.defineCommand('vcDelIfEquals', { numberOfKeys: 1, lua: DEL_IF_EQUALS })
  redis.defineCommand('vcSaddPx', { numberOfKeys: 1, lua: SADD_PX })
  redis.defineCommand('vcIncrPx', { numberOfKeys: 1, lua: INCR_PX })
  redis.defineCommand('vcZaddExpiring', { numberOfKeys: 1, lua: ZADD_EXPIRING })
  // Named for the operator: ioredis only says "Connection is closed." (no credentials in the name).
  await connectOrExplain(redis, describeConnection(connection))
  if (opts.onError) redis.on('error', opts.onError)
  // A cluster reports a failing node apart from itself: the operator wants those lines too.
  if (opts.onError && redis instanceof Cluster) redis.on('node error', opts.onError)
  const scripts = redis as unknown as Scripts
  const key = (k: string) => `${opts.prefix}:${k}`
  const cluster = redis instanceof Cluster
  const slotOf = (fullKey: string) => (cluster ? calculateSlot(fullKey) : 0)
  let closed = false
  if (connection.mode === 'sentinel') reconnectAfterFailedReconnect(redis as Redis, () => closed)

  return {
    kind: 'redis',
    redis,
    cluster,
    key,
    slotOf,

    async openSubscriber(name) {
      // Subscriber mode: no pipelining. On one server ioredis' own resubscribe is off (its promise is
      // left unhandled): the caller resubscribes on 'ready'. A cluster's subscriber resubscribes itself.
      const connectionName = name?.replace(/\s/g, '_')
      const sub =
        redis instanceof Cluster
          ? redis.duplicate([], {
              enableAutoPipelining: false,
              redisOptions: { ...redis.options.redisOptions, connectionName },
            })
          : redis.duplicate({ enableAutoPipelining: false, autoResubscribe: false, connectionName })
      await connectOrExplain(sub, `${describeConnection(connection)} (subscriber)`)
      if (connection.mode === 'sentinel') reconnectAfterFailedReconnect(sub as Redis, () => closed)
      return sub
    },

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
      if (keys.length === 0) return 0
      // One DEL per slot on a cluster (a DEL across slots is refused with CROSSSLOT).
      const bySlot = new Map<number, string[]>()
      for (const full of keys.map(key)) bySlot.set(slotOf(full), [...(bySlot.get(slotOf(full)) ?? []), full])
      const counts = await Promise.all([...bySlot.values()].map((group) => redis.del(...group)))
      return counts.reduce((a, b) => a + b, 0)
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

    async zaddExpiring(k, member, expiresAt, now) {
      return scripts.vcZaddExpiring(key(k), member, expiresAt, now)
    },

    async zrangeByScore(k, min, max) {
      return redis.zrangebyscore(key(k), score(min), score(max))
    },

    async zrem(k, ...members) {
      return members.length === 0 ? 0 : redis.zrem(key(k), ...members)
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

/**
 * One server by URL, a master through Sentinel, or a cluster. One retry per command: with Redis down a
 * request fails within a reconnect or two instead of hanging. Auto-pipelining: commands issued in the same
 * tick share one write (a send issues a dozen); on a cluster, one write per node.
 */
function createClient(c: RedisConnection, commandTimeout: number): RedisClient {
  const common: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    commandTimeout,
    enableAutoPipelining: true,
  }
  if (c.mode === 'single') return new Redis(c.url, common)
  const auth: RedisOptions = { username: c.username, password: c.password, ...(c.tls ? { tls: {} } : {}) }
  if (c.mode === 'sentinel') {
    return new Redis({
      ...common,
      ...auth,
      sentinels: c.sentinels,
      name: c.name,
      sentinelPassword: c.sentinelPassword,
      // A failover must not lose the connection for good: follow Sentinel to the new master.
      failoverDetector: true,
      // Each (re)connect asks the sentinels a few rounds, then gives up: at start-up that is the error
      // naming Sentinel (instead of waiting forever); later, reconnectAfterFailedReconnect starts again.
      sentinelRetryStrategy: (times) => (times > 3 ? null : times * 200),
    })
  }
  const options: ClusterOptions = {
    lazyConnect: true,
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: VARIADIC_SCRIPTS,
    // Reads from masters only: a replica may lag behind a write this instance just made (stream logs).
    scaleReads: 'master',
    // While the cluster as a whole is unreachable, fail at once (503) instead of queueing unbounded.
    enableOfflineQueue: false,
    redisOptions: { ...auth, maxRetriesPerRequest: 1, connectTimeout: 5_000, commandTimeout },
    slotsRefreshTimeout: 2_000,
    // Managed clusters with TLS answer CLUSTER SLOTS with host names their certificates are issued for.
    ...(c.tls ? { dnsLookup: (address, done) => done(null, address) } : {}),
  }
  return new Cluster(c.nodes, options)
}

/** How long a Sentinel client that ioredis gave up on waits before it connects again. */
const RECONNECT_AGAIN_MS = 1_000

/**
 * ioredis ends a Sentinel client for good (every command then fails "Connection is closed.") when one of
 * its reconnects fails outright: the sentinels stay unreachable past `sentinelRetryStrategy`, or the
 * failover detector's +switch-master arrives while it reconnects to a killed master. Such a client (an
 * end that follows a connect attempt, not a close) connects again, until `closing()`. Shown by
 * kv-sentinel-failover.int.test.ts.
 */
function reconnectAfterFailedReconnect(client: Redis, closing: () => boolean) {
  let connecting = false
  client.on('connecting', () => (connecting = true))
  client.on('connect', () => (connecting = false))
  client.on('close', () => (connecting = false))
  client.on('end', () => {
    if (!connecting || closing()) return
    connecting = false
    setTimeout(() => {
      if (!closing() && client.status === 'end') client.connect().catch(() => undefined)
    }, RECONNECT_AGAIN_MS).unref()
  })
}

/** Connects; on failure stops the client's own retries and names the dependency in the error. */
async function connectOrExplain(client: RedisClient, where: string): Promise<void> {
  // A start-up failure reaches the caller as the rejection below; the event would only repeat it.
  const duringConnect = () => undefined
  client.on('error', duringConnect)
  try {
    await client.connect() // resolves once ready (a cluster: slots known, every node answering)
  } catch (error) {
    client.disconnect()
    throw new Error(`${where} did not become ready: ${(error as Error).message}`, { cause: error })
  } finally {
    client.off('error', duringConnect)
  }
}
