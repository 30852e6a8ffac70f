/**
 * Which user owns which conversation, remembered in-process: ownership never changes once written, so
 * the archive's ownership check leaves the path of every send but a conversation's first in a while.
 * Bounded in entries and in age (a conversation erased by the CLI is forgotten within `ttlMs`).
 */
export interface OwnerCacheOptions {
  maxEntries: number
  ttlMs: number
  now?: () => number
}

export function createOwnerCache(o: OwnerCacheOptions = { maxEntries: 50_000, ttlMs: 5 * 60_000 }) {
  const now = o.now ?? Date.now
  const expiries = new Map<string, number>() // insertion order = age, so the first entry is the oldest
  const keyOf = (userId: string, conversationId: string) => `${userId}\n${conversationId}`

  return {
    has(userId: string, conversationId: string): boolean {
      const key = keyOf(userId, conversationId)
      const expiresAt = expiries.get(key)
      if (expiresAt === undefined) return false
      if (expiresAt > now()) return true
      expiries.delete(key)
      return false
    },
    add(userId: string, conversationId: string) {
      const key = keyOf(userId, conversationId)
      expiries.delete(key)
      expiries.set(key, now() + o.ttlMs)
      if (expiries.size > o.maxEntries) expiries.delete(expiries.keys().next().value!)
    },
    get size() {
      return expiries.size
    },
  }
}

export type OwnerCache = ReturnType<typeof createOwnerCache>
