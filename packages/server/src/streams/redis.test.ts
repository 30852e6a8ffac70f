import { afterAll, describe, expect, it } from 'vitest'
import { openRedisKv, type RedisKv } from '../kv'
import { createTestRedisPrefix, testRedisUrl } from '../../../../test/services'
import { openRedisStreamLog } from './redis'
import { runStreamLogContract } from './stream-log.contract.test'

const prefix = createTestRedisPrefix()
const kvs: RedisKv[] = []
afterAll(async () => {
  for (const kv of kvs) await kv.close()
})

runStreamLogContract('redis', async (o) => {
  const kv = await openRedisKv({ url: testRedisUrl(), prefix })
  kvs.push(kv)
  return openRedisStreamLog(kv, o)
})

describe('openRedisStreamLog after a failed write', () => {
  it('should write the next window once Redis is back, not stay failed', async () => {
    const kv = await openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
    kvs.push(kv)
    const log = await openRedisStreamLog(kv)
    kv.redis.disconnect() // a Redis outage during one window
    log.append('m-lost', { seq: 0, event: 'delta', data: { text: 'lost' } })
    await expect(log.flush()).rejects.toThrow()
    await kv.redis.connect()
    log.append('m-kept', { seq: 0, event: 'delta', data: { text: 'kept' } })
    await log.flush()
    expect(await log.read('m-kept')).toEqual([{ seq: 0, event: 'delta', data: { text: 'kept' } }])
    await log.close()
  })
})
