import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../../test/services'
import { runKvContract } from '../contract/kv.contract.test'
import { runLocksContract } from '../contract/locks.contract.test'
import { openRedisKv, type RedisKv } from './kv'

runKvContract('redis', () => openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() }))
runLocksContract('redis', () => openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() }))

describe('openRedisKv', () => {
  const prefix = createTestRedisPrefix()
  let sut: RedisKv
  beforeAll(async () => {
    sut = await openRedisKv({ url: testRedisUrl(), prefix })
  })
  afterAll(() => sut.close())

  it('should store keys under `${prefix}:` and expose the raw client', async () => {
    await sut.set('lock:conv:1', 'v')
    expect(sut.key('lock:conv:1')).toBe(`${prefix}:lock:conv:1`)
    expect(await sut.redis.get(`${prefix}:lock:conv:1`)).toBe('v')
    // SCAN pages through the whole keyspace (other test files share this Redis): follow the cursor.
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, page] = await sut.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      keys.push(...page)
      cursor = next
    } while (cursor !== '0')
    expect(keys).toEqual([`${prefix}:lock:conv:1`])
  })

  it('should reject when Redis cannot be reached', async () => {
    await expect(openRedisKv({ url: 'redis://127.0.0.1:1', prefix })).rejects.toThrow()
  })
})
