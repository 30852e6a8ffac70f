/**
 * Named locks with an owner and a time to live, on any `Kv` (SET NX PX + compare-and-delete): a holder
 * that crashed frees its lock when the TTL ends, and a lock released late never frees the next holder's.
 * `backends/contract/locks.contract.test.ts` holds them to that on every adapter.
 */
import type { Kv } from './types'

export interface Locks {
  /** Takes `key` for `owner` for `ttlMs` unless someone holds it; true when taken. */
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>
  /** Frees `key` only while `owner` still holds it; true when it did. */
  release(key: string, owner: string): Promise<boolean>
  /** Who holds `key` right now, or null. */
  holder(key: string): Promise<string | null>
  /**
   * (Re)writes `key` for `owner` for `ttlMs` from now, without asking who holds it: for a key that is
   * `owner`'s by construction (a lease under a fresh id), to push its expiry out or write it again
   * after the store lost it. Never a way to take a lock someone else may hold: that is `acquire`.
   */
  renew(key: string, owner: string, ttlMs: number): Promise<void>
}

/**
 * @example
 * const locks = createKvLocks(kv)
 * if (await locks.acquire(keys.retentionLock(), instanceId, 60_000)) try { … } finally { await locks.release(…) }
 */
export function createKvLocks(kv: Kv): Locks {
  return {
    acquire: (key, owner, ttlMs) => kv.set(key, owner, { nx: true, ttlMs }),
    release: (key, owner) => kv.delIfEquals(key, owner),
    holder: (key) => kv.get(key),
    renew: async (key, owner, ttlMs) => {
      await kv.set(key, owner, { ttlMs })
    },
  }
}
