/** Issue 19: Redis connection errors were only log lines; `vc_redis_errors_total` counts each one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testRedisUrl } from '../../../../test/services'
import { startFaultProxyFor, type FaultProxy } from '../../test/fault-proxy'
import { startStack, type Stack } from '../../test/harness'

describe('vc_redis_errors_total', () => {
  let stack: Stack
  let proxy: FaultProxy
  beforeAll(async () => {
    const proxied = await startFaultProxyFor(testRedisUrl())
    proxy = proxied.proxy
    stack = await startStack({ backend: 'mysql', env: { REDIS_URL: proxied.url } })
  })
  afterAll(async () => {
    proxy?.set('pass')
    await stack?.close()
    await proxy?.close()
  })

  const errors = async () =>
    Number(/^vc_redis_errors_total (\d+)$/m.exec(await (await fetch(`${stack.url}/metrics`)).text())?.[1])

  it('should count the Redis client errors while Redis is cut', async () => {
    expect(await errors()).toBe(0)
    proxy.set('cut')
    try {
      while ((await errors()) === 0) await new Promise((r) => setTimeout(r, 50))
    } finally {
      proxy.set('pass')
    }
  })
})
