/**
 * The unit tier runs its files without isolation (one module graph per worker, far less time spent
 * importing): what a file changed globally is put back before the next file runs in the same worker.
 */
import { afterAll, vi } from 'vitest'

afterAll(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})
