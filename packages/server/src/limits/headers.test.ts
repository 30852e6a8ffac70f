import { describe, expect, it } from 'vitest'
import { rateLimitedError, rateLimitHeaders, tightest } from './headers'
import type { LimitResult } from './limiter'

const r = (over: Partial<LimitResult>): LimitResult => ({
  name: 'user-minute',
  allowed: true,
  limit: 10,
  remaining: 5,
  resetMs: 30_000,
  ...over,
})

describe('tightest', () => {
  it('should pick the fewest remaining, then the longest wait', () => {
    const day = r({ name: 'user-day', remaining: 2, resetMs: 80_000_000 })
    expect(tightest([r({}), day, r({ name: 'ip-minute', remaining: 2 })])).toBe(day)
    expect(tightest([])).toBeUndefined()
  })
})

describe('rateLimitHeaders', () => {
  it('should give delta seconds, rounded up', () => {
    expect(rateLimitHeaders(r({ resetMs: 1_001 }))).toEqual({
      'ratelimit-limit': '10',
      'ratelimit-remaining': '5',
      'ratelimit-reset': '2',
    })
  })
})

describe('rateLimitedError', () => {
  it('should be a 429 naming the limit that frees up last, with Retry-After', () => {
    const err = rateLimitedError([
      r({ allowed: false, remaining: 0, resetMs: 5_000 }),
      r({ name: 'ip-day', allowed: false, remaining: 0, limit: 99, resetMs: 3_600_000 }),
    ])
    expect(err.status).toBe(429)
    expect(err.code).toBe('RATE_LIMITED')
    expect(err.extra).toEqual({ limit: 'ip-day' })
    expect(err.headers).toEqual({
      'ratelimit-limit': '99',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '3600',
      'retry-after': '3600',
    })
  })
})
