/**
 * A write tried again while its failure is a dependency fault (MySQL cut, stalled, pool full): a blip
 * of a few seconds is waited out instead of losing the write (issue 19).
 */
import { isDependencyFault } from './dependency-fault'

export interface RetryOptions {
  /** Tries after the first one; the waits double from `backoffMs`: 250, 500 … 8000 ms by default. */
  retries?: number
  backoffMs?: number
  /** Before each wait, with the fault that caused it (metrics). */
  onRetry?: (err: unknown) => void
}

/**
 * @example
 * await retryOnFault(() => store.touchConversation(userId, id, at), { onRetry: () => metrics.storeRetried('touch') })
 */
export async function retryOnFault<T>(write: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const retries = o.retries ?? 6
  const backoffMs = o.backoffMs ?? 250
  for (let attempt = 0; ; attempt++) {
    try {
      return await write()
    } catch (err) {
      if (attempt >= retries || !isDependencyFault(err)) throw err
      o.onRetry?.(err)
      await new Promise((r) => setTimeout(r, backoffMs * 2 ** attempt))
    }
  }
}
