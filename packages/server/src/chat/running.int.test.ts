/**
 * Leases after an empty Redis restart (issue 19 item 7): the instance notices its heartbeat vanished
 * before its TTL and writes its leases again, so a peer never takes its live answers for orphans.
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../test/services'
import { openRedisKv, type RedisKv } from '../kv/redis'
import { createRunning } from './running'

describe('running leases (redis)', () => {
  let kv: RedisKv
  beforeAll(async () => {
    kv = await openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
  })
  afterAll(() => kv?.close())

  it('should write its leases again when Redis lost them, so a peer still sees the answer as remote', async () => {
    const log = pino({ level: 'silent' })
    const owner = createRunning({ kv, log, heartbeatMs: 100, maxAnswerMs: 60_000 })
    const peer = createRunning({ kv, log, heartbeatMs: 100, maxAnswerMs: 60_000 })
    await owner.start()
    try {
      await owner.hold('m1')
      expect(await peer.ownerOf('m1')).toBe('remote')
      await kv.del('lease:m1', `instance:${owner.instanceId}`) // what an empty restart does to them
      expect(await peer.ownerOf('m1')).toBe('orphan')
      await expect.poll(() => peer.ownerOf('m1'), { timeout: 5_000, interval: 20 }).toBe('remote')
    } finally {
      await owner.release('m1')
      await owner.stop()
    }
  })
})
