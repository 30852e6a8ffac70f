/**
 * The Redis bus on one server and on a Redis Cluster: the `Bus` contract, then its one subscriber
 * connection coming back after it was dropped, subscribed again, and telling its subscribers to catch up.
 */
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createTestRedisPrefix, testRedisCluster, testRedisUrl } from '../../../../../test/services'
import { runBusContract } from '../contract/bus.contract.test'
import type { Bus } from '../../core/kv/bus'
import type { RedisConnection } from '../../core/kv/connection'
import { openRedisKv, type RedisKv } from './kv'
import { openRedisBus } from './bus'

const opened: (RedisKv | Bus)[] = []
afterAll(async () => {
  for (const c of opened.reverse()) await c.close()
})

async function instance(connection: RedisConnection, prefix: string) {
  const kv = await openRedisKv({ connection, prefix })
  const bus = await openRedisBus(kv)
  opened.push(kv, bus)
  return { kv, bus }
}

const single: RedisConnection = { mode: 'single', url: testRedisUrl() }
const singlePrefix = createTestRedisPrefix()
runBusContract('redis', async () => (await instance(single, singlePrefix)).bus)
const clusterPrefix = createTestRedisPrefix()
runBusContract('redis cluster', async () => (await instance(testRedisCluster(), clusterPrefix)).bus)

describe('openRedisBus after its connection dropped', () => {
  it('should subscribe again, call onResubscribed, and deliver what is published next', async () => {
    const prefix = createTestRedisPrefix()
    const { bus } = await instance(single, prefix)
    const heard: string[] = []
    let caughtUp = 0
    await bus.subscribe('revoked', (m) => void heard.push(m), { onResubscribed: () => void caughtUp++ })
    const admin = new Redis(testRedisUrl())
    try {
      // The server drops the bus' connection (named after the prefix), as a network cut would.
      const list = (await admin.client('LIST')) as string
      const line = list.split('\n').find((l) => l.includes(` name=${prefix}:bus `))!
      await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!)
      await vi.waitFor(() => expect(caughtUp).toBe(1), { timeout: 10_000 })
      await admin.publish(`${prefix}:revoked`, 'after the cut')
      await vi.waitFor(() => expect(heard).toEqual(['after the cut']))
    } finally {
      admin.disconnect()
    }
  })
})
