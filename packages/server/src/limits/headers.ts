/**
 * `RateLimit-Limit/Remaining/Reset` and `Retry-After` (SPEC §2.6, IETF draft-ietf-httpapi-ratelimit-headers
 * delta-seconds form). With several limits on one request the one closest to running out is shown.
 */
import { VcError } from '../core/errors'
import type { LimitResult } from './limiter'

const seconds = (ms: number) => String(Math.max(0, Math.ceil(ms / 1000)))

/** The limit a client should be told about: fewest remaining, then longest until reset. */
export function tightest(results: LimitResult[]): LimitResult | undefined {
  return [...results].sort((a, b) => a.remaining - b.remaining || b.resetMs - a.resetMs)[0]
}

export function rateLimitHeaders(r: LimitResult): Record<string, string> {
  return {
    'ratelimit-limit': String(r.limit),
    'ratelimit-remaining': String(r.remaining),
    'ratelimit-reset': seconds(r.resetMs),
  }
}

/** 429 for the rejected limit that frees up last; its name goes into the envelope as `limit`. */
export function rateLimitedError(rejected: LimitResult[]): VcError {
  const worst = [...rejected].sort((a, b) => b.resetMs - a.resetMs)[0]!
  return new VcError(
    'VC_ERR_RATE_LIMITED',
    undefined,
    { limit: worst.name },
    { ...rateLimitHeaders({ ...worst, remaining: 0 }), 'retry-after': seconds(worst.resetMs) },
  )
}
