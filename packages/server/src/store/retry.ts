/**
 * A write tried again while its failure is a dependency fault (MySQL cut, stalled, pool full): a blip
 * of a few seconds is waited out instead of losing the write (issue 19: audit events and conversation
 * touches were lost in an 8 s MySQL cut). Any other error, or the last fault, is thrown.
 */
import type { Store } from './types'
import type { RetryOptions } from '../core/retry'
import { retryOnFault } from '../core/retry'

/** The writes `retryWrites` tries again, by their metric label. */
export type RetriedWrite = 'touch' | 't3'

/**
 * The store with its conversation touches and answer archives (T3) retried (`retryOnFault`): both come
 * after the widget heard the end (the relay bounds its wait, the retries go on behind it). A lost touch
 * leaves the conversation sorted by its older time; a lost T3 waits for the sweeper.
 *
 * @example
 * const store = retryWrites(opened, { onRetry: (w) => metrics.storeRetried(w), onLost: (w) => metrics.writeLost(w) })
 */
export function retryWrites(
  store: Store,
  o: Omit<RetryOptions, 'onRetry'> & {
    onRetry?: (write: RetriedWrite) => void
    onLost?: (write: RetriedWrite) => void
  } = {},
): Store {
  const retried = <T>(write: RetriedWrite, call: () => Promise<T>) =>
    retryOnFault(call, { ...o, onRetry: () => o.onRetry?.(write) }).catch((err: unknown) => {
      o.onLost?.(write)
      throw err
    })
  // On the prototype chain, not spread: a wrapped store (tests) may keep its methods on its prototype.
  return Object.assign(Object.create(store) as Store, {
    touchConversation: (userId: string, id: string, at: number) =>
      retried('touch', () => store.touchConversation(userId, id, at)),
    finishMessage: (id: string, finish: Parameters<Store['finishMessage']>[1]) =>
      retried('t3', () => store.finishMessage(id, finish)),
  } satisfies Partial<Store>)
}
