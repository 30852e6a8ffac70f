import { describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisCluster, testRedisUrl } from '../../../../test/services'
import { openKv, type RedisKv } from './index'

describe('openKv', () => {
  it('should use Redis when a url is given', async () => {
    const sut = await openKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
    expect(sut.kind).toBe('redis')
    await sut.close()
  })

  it('should use a Redis Cluster when given its nodes', async () => {
    const sut = await openKv({ connection: testRedisCluster(), prefix: createTestRedisPrefix() })
    expect(sut.kind).toBe('redis')
    expect((sut as RedisKv).cluster).toBe(true)
    await sut.close()
  })

  it('should use the in-process store without a url', async () => {
    const sut = await openKv({ prefix: 'vc' })
    expect(sut.kind).toBe('memory')
    await sut.close()
  })
})
