import { describe, expect, it } from 'vitest'
import { createLifecycle, type Component } from './lifecycle'

/** A part that writes what happens to it into `calls`. */
function part(name: string, calls: string[], fail: { stop?: boolean } = {}): Component {
  return {
    name,
    start: () => void calls.push(`start ${name}`),
    drain: () => void calls.push(`drain ${name}`),
    stop() {
      calls.push(`stop ${name}`)
      if (fail.stop) throw new Error(`${name} would not stop`)
    },
  }
}

describe('createLifecycle', () => {
  it('should start in the order parts were added, then drain and stop in reverse', async () => {
    const calls: string[] = []
    const parts = createLifecycle()
    for (const name of ['store', 'kv', 'sweeper']) parts.add(part(name, calls))
    await parts.start()
    await parts.drain()
    await parts.stop()
    expect(calls).toEqual([
      'start store',
      'start kv',
      'start sweeper',
      'drain sweeper',
      'drain kv',
      'drain store',
      'stop sweeper',
      'stop kv',
      'stop store',
    ])
  })

  it('should have every drain under way before waiting for any', async () => {
    const calls: string[] = []
    let release!: () => void
    const parts = createLifecycle()
    parts.add({ name: 'slow', drain: () => new Promise<void>((r) => (release = r)), stop: () => undefined })
    parts.add({ name: 'flag', drain: () => void calls.push('flag'), stop: () => undefined })
    const drained = parts.drain()
    await Promise.resolve()
    expect(calls).toEqual(['flag'])
    release()
    await drained
  })

  it('should stop each part once, however often stop is called', async () => {
    const calls: string[] = []
    const parts = createLifecycle()
    parts.add(part('store', calls))
    await Promise.all([parts.stop(), parts.stop()])
    await parts.stop()
    expect(calls).toEqual(['stop store'])
  })

  it('should stop every part when one fails to, and reject with the first failure', async () => {
    const calls: string[] = []
    const warned: unknown[] = []
    const parts = createLifecycle({ log: { warn: (o: unknown) => void warned.push(o) } as never })
    parts.add(part('store', calls))
    parts.add(part('kv', calls, { stop: true }))
    parts.add(part('bus', calls))
    await expect(parts.stop()).rejects.toThrow('kv would not stop')
    expect(calls).toEqual(['stop bus', 'stop kv', 'stop store'])
    expect(warned).toEqual([expect.objectContaining({ part: 'kv' })])
  })

  it('should stop what was opened, last first, when opening fails, and rethrow the cause', async () => {
    const calls: string[] = []
    const parts = createLifecycle({ log: { warn: () => undefined } as never })
    const opening = parts.openAll(async () => {
      parts.add(part('store', calls))
      parts.add(part('heartbeat', calls, { stop: true })) // its failure must not hide the cause
      throw new Error('Redis at 127.0.0.1:1 did not become ready')
    })
    await expect(opening).rejects.toThrow('did not become ready')
    expect(calls).toEqual(['stop heartbeat', 'stop store'])
    expect(() => parts.add(part('late', calls))).toThrow('added after stop')
  })

  it('should resolve with what opening returned, starting nothing', async () => {
    const calls: string[] = []
    const parts = createLifecycle()
    const services = await parts.openAll(async () => parts.add(part('store', calls)))
    expect(services.name).toBe('store')
    expect(calls).toEqual([])
  })
})
