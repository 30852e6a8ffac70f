/** Stream slots (the port in limits/types.ts) on Redis: one sorted set per user, scored by expiry. */
import { randomUUID } from 'node:crypto'
import { keys } from '../../core/kv/keys'
import { SLOT_TTL_MS } from '../../core/kv/slots'
import type { StreamSlots } from '../../limits/types'
import type { RedisKv } from './kv'

// Redis' own clock scores the slots, so instances with skewed clocks agree on what expired.
const ACQUIRE = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`
// KEYS: one per slot (a user's set, repeated for each of its slots), all in one cluster slot (refresh
// groups them); ARGV: the TTL, then the slots.
const REFRESH = `
local t = redis.call('TIME')
local expires = t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[1])
for i = 1, #KEYS do
  if redis.call('ZSCORE', KEYS[i], ARGV[i + 1]) then
    redis.call('ZADD', KEYS[i], expires, ARGV[i + 1])
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
  end
end
return #KEYS`

/** Slots per refresh call: a few ms of Redis time each, so other clients never wait long. */
const REFRESH_BATCH = 500
const COUNT = `
local t = redis.call('TIME')
return redis.call('ZCOUNT', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000) + 1, '+inf')`

const slotKey = keys.streamSlots

interface SlotScripts {
  vcSlotAcquire(key: string, ttlMs: number, cap: number, slot: string): Promise<number>
  vcSlotRefresh(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>
  vcSlotCount(key: string): Promise<number>
}

export function createRedisStreamSlots(kv: RedisKv, ttlMs = SLOT_TTL_MS): StreamSlots {
  const r = kv.redis
  // Defined commands go out as EVALSHA: the script text is not resent with every stream.
  if (!('vcSlotAcquire' in r)) {
    r.defineCommand('vcSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE })
    r.defineCommand('vcSlotRefresh', { lua: REFRESH }) // variable key count: see VARIADIC_SCRIPTS
    r.defineCommand('vcSlotCount', { numberOfKeys: 1, lua: COUNT })
  }
  const scripts = r as unknown as SlotScripts
  return {
    async acquire(userId, cap) {
      const slot = randomUUID()
      const ok = await scripts.vcSlotAcquire(kv.key(slotKey(userId)), ttlMs, cap, slot)
      return ok === 1 ? slot : undefined
    },
    async refresh(held) {
      // Grouped by cluster slot (one group on a single server), then cut into batches.
      const bySlot = new Map<number, { key: string; slot: string }[]>()
      for (const h of held) {
        const key = kv.key(slotKey(h.userId))
        const group = bySlot.get(kv.slotOf(key)) ?? []
        bySlot.set(kv.slotOf(key), group)
        group.push({ key, slot: h.slot })
      }
      const batches: Promise<number>[] = []
      for (const group of bySlot.values()) {
        for (let i = 0; i < group.length; i += REFRESH_BATCH) {
          const batch = group.slice(i, i + REFRESH_BATCH)
          const args = [...batch.map((b) => b.key), ttlMs, ...batch.map((b) => b.slot)]
          batches.push(scripts.vcSlotRefresh(batch.length, ...args))
        }
      }
      await Promise.all(batches)
    },
    async release(userId, slot) {
      await r.zrem(kv.key(slotKey(userId)), slot)
    },
    async count(userId) {
      return Number(await scripts.vcSlotCount(kv.key(slotKey(userId))))
    },
  }
}
