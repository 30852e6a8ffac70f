/** Rate-limit counters in process: the embedded default, one instance counting alone. */
import { RateLimiterMemory } from 'rate-limiter-flexible'
import type { RateStore } from '../../limits/types'

export function createMemoryRateStore(): RateStore {
  return {
    shared: false,
    reachable: () => true,
    limiter: (o) =>
      new RateLimiterMemory({ points: o.points, duration: o.durationSeconds, keyPrefix: o.name }),
  }
}
