/** The Redis stream log on a real 3-master Redis Cluster (SPEC §6): the same contract as on one server. */
import { afterAll } from 'vitest'
import { openRedisKv, type RedisKv } from '../kv'
import { createTestRedisPrefix, testRedisCluster } from '../../../../test/services'
import { openRedisStreamLog } from './redis'
import { runStreamLogContract } from './stream-log.contract.test'

const prefix = createTestRedisPrefix()
const kvs: RedisKv[] = []
const errors: unknown[] = []
afterAll(async () => {
  for (const kv of kvs) await kv.close()
  // A CROSSSLOT (or any other) failure of a flush reaches onError, not the test: it must stay empty.
  if (errors.length) throw new Error(`stream log errors on the cluster: ${errors.map(String).join('; ')}`)
})

runStreamLogContract('redis cluster', async (o) => {
  const kv = await openRedisKv({ connection: testRedisCluster(), prefix })
  kvs.push(kv)
  return openRedisStreamLog(kv, o, (err) => errors.push(err))
})
