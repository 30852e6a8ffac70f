/** The Redis stream log on a real 3-master Redis Cluster (SPEC §6): the same contract as on one server. */
import { afterAll } from 'vitest'
import { openRedisBus } from './bus'
import { openRedisStreamLog } from './streams'
import type { Bus } from '../../core/kv/bus'
import { openRedisKv, type RedisKv } from './kv'
import { createTestRedisPrefix, testRedisCluster } from '../../../../../test/services'
import { runStreamLogContract } from '../contract/stream-log.contract.test'

const prefix = createTestRedisPrefix()
const opened: (RedisKv | Bus)[] = []
const errors: unknown[] = []
afterAll(async () => {
  for (const c of opened.reverse()) await c.close()
  // A CROSSSLOT (or any other) failure of a flush reaches onError, not the test: it must stay empty.
  if (errors.length) throw new Error(`stream log errors on the cluster: ${errors.map(String).join('; ')}`)
})

runStreamLogContract('redis cluster', async (o) => {
  const kv = await openRedisKv({ connection: testRedisCluster(), prefix })
  const bus = await openRedisBus(kv)
  opened.push(kv, bus)
  return openRedisStreamLog(kv, bus, o, (err) => errors.push(err))
})
