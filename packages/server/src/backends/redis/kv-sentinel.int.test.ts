/**
 * Redis through Sentinel (SPEC §6): one master and one sentinel on loopback (test/redis-cluster.ts),
 * the whole `Kv` contract through it, then the service configured with REDIS_SENTINELS only.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisSentinel } from '../../../../../test/redis-cluster'
import { createTestRedisPrefix } from '../../../../../test/services'
import { startStack } from '../../../test/harness'
import { parseHostPorts, type RedisConnection } from '../../core/kv/connection'
import { keys } from '../../core/kv/keys'
import { runKvContract } from '../contract/kv.contract.test'
import { openRedisKv } from './kv'

const NAME = 'vc-test-master'
let sentinel: Awaited<ReturnType<typeof startRedisSentinel>>
const connection = (): RedisConnection => ({
  mode: 'sentinel',
  sentinels: parseHostPorts(sentinel.nodes) as { host: string; port: number }[],
  name: NAME,
})
beforeAll(async () => {
  sentinel = await startRedisSentinel(NAME)
})
afterAll(() => sentinel?.stop())

runKvContract('redis via sentinel', () =>
  openRedisKv({ connection: connection(), prefix: createTestRedisPrefix() }),
)

describe('the service through Sentinel', () => {
  it('should keep its sessions on the master Sentinel names and answer a chat', async () => {
    const stack = await startStack({
      backend: 'mysql',
      env: { REDIS_URL: '', REDIS_SENTINELS: sentinel.nodes, REDIS_SENTINEL_NAME: NAME },
    })
    const master = new Redis({ host: '127.0.0.1', port: sentinel.masterPort, lazyConnect: true })
    try {
      expect(stack.kv.kind).toBe('redis')
      const user = await stack.newUser()
      const index = `${stack.config.redisPrefix}:${keys.userSessions(user.userId)}`
      expect(await master.zcard(index)).toBe(1)
      const answer = await stack.chat(user.token, { message: '经由哨兵' })
      expect(answer.events.at(-1)?.event).toBe('done')
    } finally {
      master.disconnect()
      await stack.close()
    }
  })

  it('should reject, naming Sentinel, when no sentinel answers', async () => {
    const nowhere: RedisConnection = {
      mode: 'sentinel',
      sentinels: [{ host: '127.0.0.1', port: 1 }],
      name: NAME,
    }
    await expect(openRedisKv({ connection: nowhere, prefix: 'x' })).rejects.toThrow(
      `Redis master "${NAME}" via Sentinel at 127.0.0.1:1 did not become ready`,
    )
  }, 30_000)
})
