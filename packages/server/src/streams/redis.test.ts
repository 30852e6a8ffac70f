import { afterAll } from 'vitest'
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
