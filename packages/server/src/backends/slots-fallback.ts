/**
 * Concurrent open streams per user (issue 6). A slot is a member of a per-user sorted set scored by its
 * expiry; an open stream refreshes its slot, and a crashed instance's slots simply expire (`SLOT_TTL_MS`),
 * so a crash never locks a user out for longer than that. Redis is the shared truth; when it fails, an
 * in-process set takes over (fail open, per instance), like the chat message limits. The two stores are
 * in `app/backends/redis/slots.ts` and `app/backends/memory/slots.ts`; both pass `stream-slots.contract.test.ts`.
 */

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

/**
 * The shared slots, with the in-process ones taking over while the shared store fails. A slot stays
 * with the store that issued it (`m:` marks in-process ones); a shared slot whose release fails expires.
 *
 * @example
 * const slots = withInProcessFallback(createRedisStreamSlots(kv), createMemoryStreamSlots(), onStoreError)
 */
export function withInProcessFallback(
  shared: StreamSlots,
  memory: StreamSlots,
  onStoreError?: (err: unknown) => void,
): StreamSlots {
  const local = (slot: string) => (slot.startsWith('m:') ? slot.slice(2) : undefined)
  const failed = (err: unknown) => onStoreError?.(err)
  return {
    async acquire(userId, cap) {
      try {
        return await shared.acquire(userId, cap)
      } catch (err) {
        failed(err)
        const slot = await memory.acquire(userId, cap)
        return slot && `m:${slot}`
      }
    },
    async refresh(held) {
      const inShared: HeldSlot[] = []
      const inProcess: HeldSlot[] = []
      for (const h of held) {
        const m = local(h.slot)
        if (m) inProcess.push({ userId: h.userId, slot: m })
        else inShared.push(h)
      }
      await memory.refresh(inProcess)
      if (inShared.length) await shared.refresh(inShared).catch(failed)
    },
    async release(userId, slot) {
      const m = local(slot)
      await (m ? memory.release(userId, m) : shared.release(userId, slot).catch(failed))
    },
    async count(userId) {
      const inProcess = await memory.count(userId)
      return inProcess + (await shared.count(userId).catch((err: unknown) => (failed(err), 0)))
    },
  }
}
