// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { createTokenRefresher, TokenRefreshError } from './token'

/** A timer the test fires by hand: no waiting on the clock. */
function manualTimer() {
  const fns: (() => void)[] = []
  return {
    setTimer: (fn: () => void) => (fns.push(fn), () => fns.splice(fns.indexOf(fn), 1)),
    fire: () => fns.shift()?.(),
  }
}

describe('createTokenRefresher', () => {
  it('should use the tokenProvider when the host set one', async () => {
    const announceExpired = vi.fn()
    const r = createTokenRefresher({ provider: () => async () => 'fresh', announceExpired })
    expect(await r.refresh()).toBe('fresh')
    expect(announceExpired).not.toHaveBeenCalled()
  })

  it('should reject when the provider gives no token', async () => {
    const r = createTokenRefresher({ provider: () => () => '', announceExpired: vi.fn() })
    await expect(r.refresh()).rejects.toBeInstanceOf(TokenRefreshError)
  })

  it('should share one refresh between concurrent callers', async () => {
    const provider = vi.fn(async () => 'fresh')
    const r = createTokenRefresher({ provider: () => provider, announceExpired: vi.fn() })
    expect(await Promise.all([r.refresh(), r.refresh()])).toEqual(['fresh', 'fresh'])
    expect(provider).toHaveBeenCalledTimes(1)
    await r.refresh()
    expect(provider).toHaveBeenCalledTimes(2)
  })

  it('should announce vc-token-expired and resolve with the token the host sets', async () => {
    const timer = manualTimer()
    const announceExpired = vi.fn()
    const r = createTokenRefresher({ provider: () => undefined, announceExpired, setTimer: timer.setTimer })
    const p = r.refresh()
    expect(announceExpired).toHaveBeenCalledTimes(1)
    r.supply('from-host')
    expect(await p).toBe('from-host')
    timer.fire() // the timeout was cleared: nothing happens
  })

  it('should reject when the host does not answer in time', async () => {
    const timer = manualTimer()
    const r = createTokenRefresher({
      provider: () => undefined,
      announceExpired: vi.fn(),
      setTimer: timer.setTimer,
    })
    const p = r.refresh()
    timer.fire()
    await expect(p).rejects.toBeInstanceOf(TokenRefreshError)
  })

  it('should ignore a token supplied while nobody waits', () => {
    const r = createTokenRefresher({ provider: () => undefined, announceExpired: vi.fn() })
    expect(() => r.supply('x')).not.toThrow()
  })
})
