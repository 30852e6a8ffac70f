/**
 * One fixed-window limit (rate-limiter-flexible) in the backend's `RateStore`: on Redis when the service
 * has Redis, so every instance counts against the same key, in process otherwise. When Redis fails, `fallback: 'memory'` counts in
 * process instead (fail open, still bounded per instance) and `fallback: 'refuse'` throws
 * `LimiterUnavailableError` (fail closed). See README "Security".
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { RateStore } from './types'

/** Low-cardinality names: they are metric labels and appear in the 429 envelope. */
export type LimitName =
  | 'ip-requests'
  | 'user-minute'
  | 'user-day'
  | 'ip-minute'
  | 'ip-day'
  | 's2s-key'
  | 's2s-ip'
  | 'user-streams'
  | 'user-files'

export interface LimitResult {
  name: LimitName
  allowed: boolean
  limit: number
  remaining: number
  /** Milliseconds until the window resets. */
  resetMs: number
}

export interface Limiter {
  readonly name: LimitName
  readonly points: number
  consume(key: string): Promise<LimitResult>
  /** Gives back the point a `consume` took (best effort): the request was refused for another reason. */
  refund(key: string): Promise<void>
}

export class LimiterUnavailableError extends Error {
  constructor(cause: unknown) {
    super('rate-limit store unreachable', { cause })
    this.name = 'LimiterUnavailableError'
  }
}

export interface LimiterOptions {
  name: LimitName
  points: number
  durationSeconds: number
  store: RateStore
  fallback: 'memory' | 'refuse'
  /** Told each time Redis failed and the fallback decided instead. */
  onStoreError?: (err: unknown) => void
}

/**
 * @example
 * const perUser = createLimiter({ name: 'user-minute', points: 20, durationSeconds: 60, store, fallback: 'memory' })
 * const r = await perUser.consume(userId) // r.allowed, r.remaining, r.resetMs
 */
export function createLimiter(o: LimiterOptions): Limiter {
  const store = o.store.limiter(o)
  // Counts here while the store fails (an in-process store never does).
  const memory = new RateLimiterMemory({ points: o.points, duration: o.durationSeconds, keyPrefix: o.name })

  const toResult = (r: RateLimiterRes, allowed: boolean): LimitResult => ({
    name: o.name,
    allowed,
    limit: o.points,
    remaining: Math.max(0, r.remainingPoints),
    resetMs: Math.max(0, r.msBeforeNext),
  })

  async function consumeOn(limiter: RateLimiterAbstract, key: string): Promise<LimitResult> {
    try {
      return toResult(await limiter.consume(key), true)
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return toResult(rejection, false)
      throw rejection
    }
  }

  return {
    name: o.name,
    points: o.points,
    async consume(key) {
      try {
        return await consumeOn(store, key)
      } catch (err) {
        o.onStoreError?.(err)
        if (o.fallback === 'refuse') throw new LimiterUnavailableError(err)
        return consumeOn(memory, key)
      }
    },
    async refund(key) {
      // The point may have been taken in process while the store failed; that store failure is told.
      await store.reward(key, 1).catch(async (err: unknown) => {
        o.onStoreError?.(err)
        await memory.reward(key, 1) // in process: never rejects
      })
    },
  }
}
