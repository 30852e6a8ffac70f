import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { joinHeartbeat, leaveHeartbeat } from './heartbeat'

const member = () => ({ beat: vi.fn() })

describe('joinHeartbeat', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('should beat every member on one shared timer until it leaves', () => {
    const a = member()
    const b = member()
    joinHeartbeat(100, a)
    joinHeartbeat(100, b)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(250)
    expect([a.beat.mock.calls.length, b.beat.mock.calls.length]).toEqual([2, 2])
    leaveHeartbeat(100, a)
    leaveHeartbeat(100, a) // leaving twice is harmless
    vi.advanceTimersByTime(100)
    expect([a.beat.mock.calls.length, b.beat.mock.calls.length]).toEqual([2, 3])
    leaveHeartbeat(100, b)
    expect(vi.getTimerCount()).toBe(0) // the last member stops the timer
  })

  it('should keep one timer per period', () => {
    const joined = [
      [100, member()],
      [200, member()],
      [100, member()],
    ] as const
    joined.forEach(([ms, m]) => joinHeartbeat(ms, m))
    expect(vi.getTimerCount()).toBe(2)
    joined.forEach(([ms, m]) => leaveHeartbeat(ms, m))
    expect(vi.getTimerCount()).toBe(0)
  })

  it('should count a member that joins twice once', () => {
    const a = member()
    joinHeartbeat(100, a)
    joinHeartbeat(100, a)
    vi.advanceTimersByTime(100)
    expect(a.beat).toHaveBeenCalledTimes(1)
    leaveHeartbeat(100, a)
    expect(vi.getTimerCount()).toBe(0)
  })
})
