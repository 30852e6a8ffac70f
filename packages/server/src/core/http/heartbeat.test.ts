import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createHeartbeats } from './heartbeat'

const member = () => ({ beat: vi.fn() })

describe('createHeartbeats', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('should beat every member on one shared timer until it leaves', () => {
    const beat = createHeartbeats().every(100)
    const a = member()
    const b = member()
    beat.join(a)
    beat.join(b)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(250)
    expect([a.beat.mock.calls.length, b.beat.mock.calls.length]).toEqual([2, 2])
    beat.leave(a)
    beat.leave(a) // leaving twice is harmless
    vi.advanceTimersByTime(100)
    expect([a.beat.mock.calls.length, b.beat.mock.calls.length]).toEqual([2, 3])
    beat.leave(b)
    expect(vi.getTimerCount()).toBe(0) // the last member stops the timer
  })

  it('should keep one timer per period', () => {
    const beats = createHeartbeats()
    const joined = [
      [100, member()],
      [200, member()],
      [100, member()],
    ] as const
    joined.forEach(([ms, m]) => beats.join(ms, m))
    expect(vi.getTimerCount()).toBe(2)
    joined.forEach(([ms, m]) => beats.leave(ms, m))
    expect(vi.getTimerCount()).toBe(0)
  })

  it('should count a member that joins twice once', () => {
    const beat = createHeartbeats().every(100)
    const a = member()
    beat.join(a)
    beat.join(a)
    vi.advanceTimersByTime(100)
    expect(a.beat).toHaveBeenCalledTimes(1)
    beat.leave(a)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('should keep each service its own timers, all cleared by stop', () => {
    const one = createHeartbeats()
    const two = createHeartbeats()
    const a = member()
    one.join(100, a)
    two.join(100, member())
    expect(vi.getTimerCount()).toBe(2)
    one.stop()
    vi.advanceTimersByTime(200)
    expect(a.beat).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(1)
    two.stop()
    expect(vi.getTimerCount()).toBe(0)
  })
})
