/**
 * A whole stack (harness) whose Redis or MySQL is reached through a fault proxy, for the tests that cut
 * and stall a dependency (issue 19). Registers its own `beforeAll`/`afterAll`; read the fields in tests.
 */
import { afterAll, beforeAll } from 'vitest'
import { createTestDatabase, testRedisUrl } from '../../../test/services'
import { startFaultProxyFor, type FaultProxy } from './fault-proxy'
import { startStack, type Stack } from './harness'

export interface FaultyStack {
  stack: Stack
  proxy: FaultProxy
}

/**
 * @example
 * const t = useStackBehindFaultProxy('mysql', { MYSQL_QUERY_TIMEOUT_MS: '1000' })
 * it('…', async () => { t.proxy.set('cut'); await t.stack.chat(…) })
 */
export function useStackBehindFaultProxy(
  dependency: 'redis' | 'mysql',
  env: Record<string, string> = {},
): FaultyStack {
  const t = {} as FaultyStack
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  beforeAll(async () => {
    if (dependency === 'mysql') db = await createTestDatabase()
    const proxied = await startFaultProxyFor(db ? db.url : testRedisUrl())
    t.proxy = proxied.proxy
    const via = dependency === 'mysql' ? 'DATABASE_URL' : 'REDIS_URL'
    t.stack = await startStack({ backend: 'mysql', env: { [via]: proxied.url, ...env } })
  })
  afterAll(async () => {
    t.proxy?.set('pass')
    await t.stack?.close()
    await t.proxy?.close()
    await db?.drop()
  })
  return t
}
