/**
 * Stream slots with an in-process fallback: Redis is the shared truth; when it fails, an in-process
 * set takes over (fail open, per instance), like the chat message limits.
 */
import type { HeldSlot, StreamSlots } from '../limits/types'

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
