/** Issue 19: Redis connection errors were only log lines; `vc_redis_errors_total` counts each one. */
import { describe, expect, it } from 'vitest'
import { useStackBehindFaultProxy } from '../../test/faulty-stack'

describe('vc_redis_errors_total', () => {
  const t = useStackBehindFaultProxy('redis')

  const errors = async () =>
    Number(/^vc_redis_errors_total (\d+)$/m.exec(await (await fetch(`${t.stack.url}/metrics`)).text())?.[1])

  it('should count the Redis client errors while Redis is cut', async () => {
    expect(await errors()).toBe(0)
    t.proxy.set('cut')
    try {
      while ((await errors()) === 0) await new Promise((r) => setTimeout(r, 50))
    } finally {
      t.proxy.set('pass')
    }
  })
})
