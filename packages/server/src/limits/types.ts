/**
 * Where the fixed-window counters of `limiter.ts` live: Redis (shared by every instance) or in process
 * (the embedded default). Each backend builds its own (`rate-store.ts` in `backends/redis`, `backends/memory`).
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible'

export interface RateStore {
  /** Whether instances share one count (Redis). False in process: each instance counts alone. */
  readonly shared: boolean
  /** Whether the store answers right now (always in process). */
  reachable(): boolean
  /** A rate-limiter-flexible limiter counting `points` per `durationSeconds` under the limit's name. */
  limiter(o: { name: string; points: number; durationSeconds: number }): RateLimiterAbstract
}
