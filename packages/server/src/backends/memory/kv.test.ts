import { afterEach, describe, expect, it, vi } from 'vitest'
import { runKvContract } from '../contract/kv.contract.test'
import { runLocksContract } from '../contract/locks.contract.test'
import { createMemoryKv } from './kv'

runKvContract('memory', async () => createMemoryKv({ prefix: 'test' }))
runLocksContract('memory', async () => createMemoryKv({ prefix: 'test' }))

describe('createMemoryKv', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('should expire exactly at ttlMs on the injected clock', async () => {
    let now = 1_000
    const sut = createMemoryKv({ now: () => now })
    await sut.set('k', 'v', { ttlMs: 100 })
    now += 99
    expect(await sut.pttl('k')).toBe(1)
    now += 1
    expect(await sut.get('k')).toBeNull()
    await sut.close()
  })

  it('should keep an incr counter on its first expiry', async () => {
    let now = 0
    const sut = createMemoryKv({ now: () => now })
    await sut.incr('n', 1_000)
    now = 600
    await sut.incr('n', 1_000)
    expect(await sut.pttl('n')).toBe(400)
    await sut.close()
  })

  it('should run one unref’d sweep timer and stop it on close', async () => {
    vi.useFakeTimers()
    const sut = createMemoryKv()
    expect(vi.getTimerCount()).toBe(1)
    await sut.close()
    expect(vi.getTimerCount()).toBe(0)
  })
})
