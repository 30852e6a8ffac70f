/** In-process adapter of `Kv` (SPEC §4 zero-setup default): one instance only, nothing shared. */
import { checkTtl } from '../ttl'
import type { Kv } from '../../core/kv/types'

interface Entry {
  /** A string, a set, or a sorted set (member → score). */
  value: string | Set<string> | Map<string, number>
  /** Epoch ms from `now()`; null when the key never expires. */
  expiresAt: number | null
}

const SWEEP_MS = 30_000
const wrongType = () => new Error('WRONGTYPE Operation against a key holding the wrong kind of value')

/**
 * A `Kv` in a `Map` with Redis' semantics: values and sets, TTLs, NX, atomic increments. Expired keys
 * vanish on access; a background sweep (unref'd, stopped by `close()`) frees ones nobody reads again.
 *
 * @example
 * const kv = createMemoryKv({ prefix: 'vc' })
 * await kv.incr(keys.voiceSeconds('u1', '2026-12-06'), 60_000)
 */
export function createMemoryKv(opts: { prefix?: string; now?: () => number } = {}): Kv {
  const { prefix = 'vc', now = Date.now } = opts
  const entries = new Map<string, Entry>()
  const key = (k: string) => `${prefix}:${k}`
  let closed = false

  const sweep = setInterval(() => {
    const t = now()
    for (const [k, entry] of entries) if (entry.expiresAt !== null && entry.expiresAt <= t) entries.delete(k)
  }, SWEEP_MS)
  sweep.unref()

  /** The live entry for a user key, dropping it first when expired; throws once closed. */
  function live(k: string): Entry | undefined {
    if (closed) throw new Error('Kv is closed')
    const full = key(k)
    const entry = entries.get(full)
    if (entry?.expiresAt != null && entry.expiresAt <= now()) {
      entries.delete(full)
      return undefined
    }
    return entry
  }
  function stringOf(entry: Entry | undefined): string | null {
    if (entry === undefined) return null
    if (typeof entry.value !== 'string') throw wrongType()
    return entry.value
  }
  function setOf(entry: Entry | undefined): Set<string> | undefined {
    if (entry !== undefined && !(entry.value instanceof Set)) throw wrongType()
    return entry?.value as Set<string> | undefined
  }
  function zsetOf(entry: Entry | undefined): Map<string, number> | undefined {
    if (entry !== undefined && !(entry.value instanceof Map)) throw wrongType()
    return entry?.value as Map<string, number> | undefined
  }
  const expiryFor = (ttlMs: number | undefined) => (ttlMs === undefined ? null : now() + checkTtl(ttlMs))

  return {
    kind: 'memory',

    async get(k) {
      return stringOf(live(k))
    },

    async set(k, value, { ttlMs, nx } = {}) {
      const expiresAt = expiryFor(ttlMs)
      if (live(k) && nx) return false
      entries.set(key(k), { value, expiresAt })
      return true
    },

    async del(...keys) {
      let count = 0
      for (const k of keys) if (live(k) && entries.delete(key(k))) count++
      return count
    },

    async delIfEquals(k, value) {
      return stringOf(live(k)) === value && entries.delete(key(k))
    },

    async pttl(k) {
      const entry = live(k)
      if (!entry) return -2
      return entry.expiresAt === null ? -1 : entry.expiresAt - now()
    },

    async sadd(k, member, ttlMs) {
      const entry = live(k)
      const members = setOf(entry) ?? new Set<string>()
      const expiresAt = ttlMs === undefined ? (entry?.expiresAt ?? null) : expiryFor(ttlMs)
      members.add(member)
      entries.set(key(k), { value: members, expiresAt })
    },

    async smembers(k) {
      return [...(setOf(live(k)) ?? [])]
    },

    async srem(k, ...members) {
      const set = setOf(live(k))
      if (!set) return 0
      const count = members.filter((m) => set.delete(m)).length
      // Like Redis, a set that becomes empty stops existing (pttl -2).
      if (set.size === 0) entries.delete(key(k))
      return count
    },

    async zaddExpiring(k, member, expiresAt, at) {
      const zset = zsetOf(live(k)) ?? new Map<string, number>()
      zset.set(member, expiresAt)
      for (const [m, score] of zset) if (score <= at) zset.delete(m)
      if (zset.size === 0) {
        entries.delete(key(k))
        return 0
      }
      // Like the Redis script: the set's own expiry is its latest member's, on the caller's clock.
      const latest = Math.max(...zset.values())
      entries.set(key(k), { value: zset, expiresAt: now() + Math.ceil(latest - at) })
      return zset.size
    },

    async zrangeByScore(k, min, max) {
      const zset = zsetOf(live(k))
      if (!zset) return []
      return [...zset]
        .filter(([, score]) => score >= min && score <= max)
        .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
        .map(([m]) => m)
    },

    async zrem(k, ...members) {
      const zset = zsetOf(live(k))
      if (!zset) return 0
      const count = members.filter((m) => zset.delete(m)).length
      if (zset.size === 0) entries.delete(key(k))
      return count
    },

    async incr(k, ttlMs) {
      const entry = live(k)
      const current = stringOf(entry) ?? '0'
      const n = Number(current)
      if (!/^-?\d+$/.test(current) || !Number.isSafeInteger(n + 1)) {
        throw new Error('ERR value is not an integer or out of range')
      }
      entries.set(key(k), { value: String(n + 1), expiresAt: entry ? entry.expiresAt : expiryFor(ttlMs) })
      return n + 1
    },

    async ping() {
      if (closed) throw new Error('Kv is closed')
    },

    async close() {
      closed = true
      clearInterval(sweep)
      entries.clear()
    },
  }
}
