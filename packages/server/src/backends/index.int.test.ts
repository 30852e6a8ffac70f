/**
 * `openBackend` picks Redis (one server or a Cluster) or in process from the config, and on Redis an
 * instance holds one subscriber connection, whatever listens on the bus (stream log, revocations).
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../test/harness'
import { createTestRedisPrefix, testRedisCluster, testRedisUrl } from '../../../../test/services'
import type { RedisKv } from './redis/kv'
import { openBackend } from '.'

const streams = { retentionMs: 60_000, maxAnswerMs: 60_000 }

describe('openBackend', () => {
  it('should open Redis when given one server', async () => {
    const sut = await openBackend({
      redis: { mode: 'single', url: testRedisUrl() },
      redisPrefix: createTestRedisPrefix(),
      streams,
    })
    expect([sut.kind, sut.kv.kind, sut.streams.kind, sut.rateStore.shared]).toEqual([
      'redis',
      'redis',
      'redis',
      true,
    ])
    await sut.close()
  })

  it('should open a Redis Cluster when given its nodes', async () => {
    const sut = await openBackend({
      redis: testRedisCluster(),
      redisPrefix: createTestRedisPrefix(),
      streams,
    })
    expect(sut.kind).toBe('redis')
    expect((sut.kv as RedisKv).cluster).toBe(true)
    await sut.close()
  })

  it('should keep everything in process without Redis', async () => {
    const sut = await openBackend({ redisPrefix: 'vc', streams })
    expect([sut.kind, sut.kv.kind, sut.streams.kind, sut.rateStore.shared]).toEqual([
      'memory',
      'memory',
      'memory',
      false,
    ])
    await sut.close()
  })

  it('should reject when Redis cannot be reached', async () => {
    const nowhere = { mode: 'single' as const, url: 'redis://127.0.0.1:1' }
    await expect(openBackend({ redis: nowhere, redisPrefix: 'x', streams })).rejects.toThrow(
      /did not become ready/,
    )
  })
})

describe('one subscriber connection per instance', () => {
  let a: Stack
  let b: Stack | undefined
  let admin: Redis
  beforeAll(async () => {
    a = await startStack({ backend: 'mysql' })
    b = await startStack({ backend: 'mysql', sharedWith: a })
    admin = new Redis(testRedisUrl())
  })
  afterAll(async () => {
    admin?.disconnect()
    await b?.close()
    await a?.close()
  })

  /** The connections named as this deployment's bus (CLIENT LIST lists every client of the Redis). */
  const busConnections = async () => {
    const list = (await admin.client('LIST')) as string
    return list.split('\n').filter((line) => line.includes(` name=${a.config.redisPrefix}:bus `)).length
  }

  it('should carry the stream log and the revocations of each instance on one connection', async () => {
    expect(await busConnections()).toBe(2) // a and b
    // Both channels in use: an answer followed live, and a revoke heard on the other instance.
    const user = await a.newUser()
    const answer = await b!.chat(user.token, { message: '你好' })
    expect(answer.events.at(-1)?.event).toBe('done')
    expect((await a.client.revokeSession({ phone: user.phone })).revoked).toBe(1)
    expect(await busConnections()).toBe(2)
  })

  it('should close it with the instance', async () => {
    await b!.close()
    b = undefined
    await expect.poll(busConnections).toBe(1)
  })
})
