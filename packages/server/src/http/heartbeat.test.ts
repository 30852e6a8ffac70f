import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { joinHeartbeat } from './heartbeat'

describe('joinHeartbeat', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('should beat every member on one shared timer until it leaves', () => {
    const a = vi.fn()
    const b = vi.fn()
    const leaveA = joinHeartbeat(100, a)
    const leaveB = joinHeartbeat(100, b)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(250)
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([2, 2])
    leaveA()
    leaveA() // leaving twice is harmless
    vi.advanceTimersByTime(100)
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([2, 3])
    leaveB()
    expect(vi.getTimerCount()).toBe(0) // the last member stops the timer
  })

  it('should keep one timer per period', () => {
    const leave = [joinHeartbeat(100, () => {}), joinHeartbeat(200, () => {}), joinHeartbeat(100, () => {})]
    expect(vi.getTimerCount()).toBe(2)
    leave.forEach((l) => l())
    expect(vi.getTimerCount()).toBe(0)
  })
})
