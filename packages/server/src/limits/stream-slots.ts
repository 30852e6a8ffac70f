/**
 * Concurrent open streams per user (issue 6). A slot is a member of a per-user sorted set scored by its
 * expiry; an open stream refreshes its slot, and a crashed instance's slots simply expire (`SLOT_TTL_MS`),
 * so a crash never locks a user out for longer than that. Redis is the shared truth; when it fails, an
 * in-process set takes over (fail open, per instance), like the chat message limits.
 */
import { randomUUID } from 'node:crypto'
import type { Kv, RedisKv } from '../kv'
import { keys } from '../kv/keys'

export const SLOT_TTL_MS = 60_000

/** A slot an open stream holds. */
export interface HeldSlot {
  readonly userId: string
  readonly slot: string
}

export interface StreamSlots {
  /** Takes a slot for `userId` unless `cap` are open; returns its id, or undefined when at the cap. */
  acquire(userId: string, cap: number): Promise<string | undefined>
  /**
   * Keeps slots alive while their streams are open; released ones stay released. All of an instance's
   * slots at once: at 10,000 held streams that is 20 script calls per tick, not 10,000 (issue 8). On a
   * Redis Cluster a script touches one slot, so it is one call per slot in use, auto-pipelined per node.
   */
  refresh(held: Iterable<HeldSlot>): Promise<void>
  release(userId: string, slot: string): Promise<void>
  /** Open slots of a user (tests, metrics). */
  count(userId: string): Promise<number>
}

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

export function createMemoryStreamSlots(ttlMs = SLOT_TTL_MS, now = Date.now): StreamSlots {
  const users = new Map<string, Map<string, number>>()
  const live = (userId: string) => {
    const slots = users.get(userId) ?? new Map<string, number>()
    for (const [id, expiresAt] of slots) if (expiresAt <= now()) slots.delete(id)
    if (slots.size) users.set(userId, slots)
    else users.delete(userId)
    return slots
  }
  return {
    async acquire(userId, cap) {
      const slots = live(userId)
      if (slots.size >= cap) return undefined
      const slot = randomUUID()
      users.set(userId, slots.set(slot, now() + ttlMs))
      return slot
    },
    async refresh(held) {
      for (const { userId, slot } of held) {
        const slots = live(userId)
        if (slots.has(slot)) slots.set(slot, now() + ttlMs)
      }
    },
    async release(userId, slot) {
      const slots = live(userId)
      slots.delete(slot)
      if (!slots.size) users.delete(userId)
    },
    async count(userId) {
      return live(userId).size
    },
  }
}

/**
 * Redis when the service has it, with the in-process slots taking over while Redis fails. A slot stays
 * with the store that issued it (`m:` marks in-process ones); a Redis slot whose release fails expires.
 */
export function createStreamSlots(kv: Kv, onStoreError?: (err: unknown) => void): StreamSlots {
  const memory = createMemoryStreamSlots()
  if (kv.kind !== 'redis') return memory
  const redis = createRedisStreamSlots(kv as RedisKv)
  const local = (slot: string) => (slot.startsWith('m:') ? slot.slice(2) : undefined)
  const failed = (err: unknown) => onStoreError?.(err)
  return {
    async acquire(userId, cap) {
      try {
        return await redis.acquire(userId, cap)
      } catch (err) {
        failed(err)
        const slot = await memory.acquire(userId, cap)
        return slot && `m:${slot}`
      }
    },
    async refresh(held) {
      const inRedis: HeldSlot[] = []
      const inProcess: HeldSlot[] = []
      for (const h of held) {
        const m = local(h.slot)
        if (m) inProcess.push({ userId: h.userId, slot: m })
        else inRedis.push(h)
      }
      await memory.refresh(inProcess)
      if (inRedis.length) await redis.refresh(inRedis).catch(failed)
    },
    async release(userId, slot) {
      const m = local(slot)
      await (m ? memory.release(userId, m) : redis.release(userId, slot).catch(failed))
    },
    async count(userId) {
      const inProcess = await memory.count(userId)
      return inProcess + (await redis.count(userId).catch((err: unknown) => (failed(err), 0)))
    },
  }
}
