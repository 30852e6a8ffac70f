/**
 * The Redis adapter on a real 3-master Redis Cluster (SPEC §6, started by test/global-setup.ts): the whole
 * `Kv` contract, then what only a cluster can get wrong — keys of one operation in one slot.
 */
import calculateSlot from 'cluster-key-slot'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisCluster } from '../../../../../test/services'
import { keys } from '../../core/kv/keys'
import { runKvContract } from '../contract/kv.contract.test'
import { runLocksContract } from '../contract/locks.contract.test'
import { openRedisKv, type RedisKv } from './kv'

runKvContract('redis cluster', () =>
  openRedisKv({ connection: testRedisCluster(), prefix: createTestRedisPrefix() }),
)
runLocksContract('redis cluster', () =>
  openRedisKv({ connection: testRedisCluster(), prefix: createTestRedisPrefix() }),
)

describe('openRedisKv on a cluster', () => {
  let sut: RedisKv
  const errors: Error[] = []
  beforeAll(async () => {
    sut = await openRedisKv({
      connection: testRedisCluster(),
      prefix: createTestRedisPrefix(),
      onError: (e) => errors.push(e),
    })
  })
  afterAll(() => sut.close())

  it('should be a cluster client that sees three masters', async () => {
    expect(sut.cluster).toBe(true)
    expect(sut.redis).toBeInstanceOf(Cluster)
    expect((sut.redis as Cluster).nodes('master')).toHaveLength(3)
  })

  it('should delete keys spread over many slots and count them', async () => {
    const names = Array.from({ length: 40 }, (_, i) => keys.session(`hash-${i}`))
    for (const k of names) await sut.set(k, 'x')
    expect(new Set(names.map((k) => calculateSlot(sut.key(k)))).size).toBeGreaterThan(10)
    expect(await sut.del(...names, keys.session('missing'))).toBe(40)
    for (const k of names) expect(await sut.get(k)).toBeNull()
  })

  it('should put the keys of one message, and of one user, on one slot', () => {
    expect(sut.slotOf(sut.key(keys.stream('m1')))).toBe(sut.slotOf(sut.key(keys.lease('m1'))))
    expect(sut.slotOf(sut.key(keys.streamSlots('u1')))).toBe(sut.slotOf(sut.key(keys.userSessions('u1'))))
  })

  it('should open a subscriber that hears a PUBLISH made through any node', async () => {
    const sub = await sut.openSubscriber()
    try {
      const channel = sut.key('test-channel')
      const heard = new Promise<string>((resolve) => sub.on('message', (_c: string, m: string) => resolve(m)))
      await sub.subscribe(channel)
      // Publish from every master in turn: the cluster bus carries each to the subscriber's node.
      for (const node of (sut.redis as Cluster).nodes('master'))
        await node.publish(channel, `from ${node.options.port}`)
      expect(await heard).toMatch(/^from \d+$/)
    } finally {
      sub.disconnect()
    }
  })

  it('should reject, naming the cluster, when no node can be reached', async () => {
    await expect(
      openRedisKv({ connection: { mode: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }] }, prefix: 'x' }),
    ).rejects.toThrow('Redis Cluster at 127.0.0.1:1 did not become ready')
  })

  it('should have reported no error while connected', () => {
    expect(errors).toEqual([])
  })
})
