// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { deferred, type Deferred } from '../deferred.fixtures'
import { createImageCache } from './image-cache'

function setup() {
  const loads: ({ id: string; signal: AbortSignal } & Deferred<Blob>)[] = []
  let n = 0
  const deps = {
    load: vi.fn((id: string, signal: AbortSignal) => {
      const l = { id, signal, ...deferred<Blob>() }
      loads.push(l)
      return l.promise
    }),
    createUrl: vi.fn(() => `blob:${++n}`),
    revokeUrl: vi.fn(),
  }
  return { cache: createImageCache(deps), deps, loads }
}

const image = () => new Blob([new Uint8Array(4)], { type: 'image/png' })

describe('image cache', () => {
  it('should load an image once for every thumbnail of it, and revoke it when the last goes', async () => {
    const { cache, deps, loads } = setup()
    const a = cache.acquire('f1')
    const b = cache.acquire('f1')
    expect(loads).toHaveLength(1)
    loads[0]!.resolve(image())
    expect(await a).toBe('blob:1')
    expect(await b).toBe('blob:1')
    cache.release('f1')
    expect(deps.revokeUrl).not.toHaveBeenCalled()
    cache.release('f1')
    expect(deps.revokeUrl).toHaveBeenCalledWith('blob:1')
    expect(cache.size()).toBe(0)
  })

  it('should start from a seeded local preview, and load from the service once that was let go', async () => {
    const { cache, deps, loads } = setup()
    cache.seed('f1', 'blob:local')
    expect(await cache.acquire('f1')).toBe('blob:local')
    expect(loads).toHaveLength(0)
    cache.release('f1')
    expect(deps.revokeUrl).toHaveBeenCalledWith('blob:local')
    const again = cache.acquire('f1')
    loads[0]!.resolve(image())
    expect(await again).toBe('blob:1')
  })

  it('should abort a load nobody waits for any more, and ask again after a failure', async () => {
    const { cache, deps, loads } = setup()
    const a = cache.acquire('f1')
    cache.release('f1')
    expect(loads[0]!.signal.aborted).toBe(true)
    loads[0]!.resolve(image())
    await expect(a).rejects.toThrow()
    expect(deps.createUrl).not.toHaveBeenCalled()

    const b = cache.acquire('f2')
    loads[1]!.reject(new Error('404'))
    await expect(b).rejects.toThrow('404')
    cache.release('f2')
    const c = cache.acquire('f2')
    expect(loads).toHaveLength(3)
    loads[2]!.resolve(image())
    expect(await c).toBe('blob:1')
  })

  it('should revoke everything on dispose', async () => {
    const { cache, deps, loads } = setup()
    cache.seed('f1', 'blob:local')
    const b = cache.acquire('f2')
    loads[0]!.resolve(image())
    await b
    cache.dispose()
    expect(deps.revokeUrl).toHaveBeenCalledWith('blob:local')
    expect(deps.revokeUrl).toHaveBeenCalledWith('blob:1')
  })
})
