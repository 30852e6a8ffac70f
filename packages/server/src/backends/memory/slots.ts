/** Stream slots (the port in limits/types.ts) in process: the embedded default, and Redis' fallback. */
import { randomUUID } from 'node:crypto'
import { SLOT_TTL_MS } from '../../core/kv/slots'
import type { StreamSlots } from '../../limits/types'

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
