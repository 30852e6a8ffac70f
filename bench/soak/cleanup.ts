/** Helpers shared by bench/soak.ts and its reproductions. */
import { Redis } from 'ioredis'
import { testRedisUrl } from '../../test/env'

/**
 * test/services.ts names databases and Redis prefixes after vitest's `inject('testRunId')`, which only
 * works inside a vitest worker. Outside one, provide the value the way vitest does, so
 * packages/server/test/instances.ts can be imported as is (it also starts the bundle named `serviceBundle`). Run ids start with `vcsoak_` (vitest's: `vct_`).
 */
export function provideTestRunId(runId: string, serviceBundle: string) {
  const g = globalThis as { __vitest_worker__?: { providedContext: Record<string, unknown> } }
  if (g.__vitest_worker__) throw new Error('bench/soak runs under tsx, not vitest')
  g.__vitest_worker__ = { providedContext: { testRunId: runId, serviceBundle } }
}

/** Deletes a run's Redis keys (test/global-setup.ts does this for vitest runs); bounded SCAN. */
export async function clearRedisPrefix(prefix: string) {
  const r = new Redis(testRedisUrl(), { maxRetriesPerRequest: 2 })
  try {
    let cursor = '0'
    for (let pages = 0; pages < 10_000; pages++) {
      const [nextCursor, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length) await r.unlink(...keys)
      cursor = nextCursor
      if (cursor === '0') break
    }
  } finally {
    r.disconnect()
  }
}
