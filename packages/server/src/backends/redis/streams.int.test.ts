import { afterAll, describe, expect, it } from 'vitest'
import { openRedisBus } from './bus'
import { openRedisStreamLog } from './streams'
import { openRedisKv, type RedisKv } from './kv'
import type { Bus } from '../../core/kv/bus'
import { createTestRedisPrefix, testRedisUrl } from '../../../../../test/services'
import { runStreamLogContract } from '../contract/stream-log.contract.test'

const prefix = createTestRedisPrefix()
const opened: (RedisKv | Bus)[] = []
afterAll(async () => {
  for (const c of opened.reverse()) await c.close()
})

/** One instance: its kv and its bus (one subscriber connection). */
async function instance(p = prefix) {
  const kv = await openRedisKv({ url: testRedisUrl(), prefix: p })
  const bus = await openRedisBus(kv)
  opened.push(kv, bus)
  return { kv, bus }
}

runStreamLogContract('redis', async (o) => {
  const { kv, bus } = await instance()
  return openRedisStreamLog(kv, bus, o)
})

describe('openRedisStreamLog after a failed write', () => {
  it('should write the next window once Redis is back, not stay failed', async () => {
    const { kv, bus } = await instance(createTestRedisPrefix())
    const log = await openRedisStreamLog(kv, bus)
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
