/**
 * Leases after an empty Redis restart (issue 19 item 7): the instance notices its heartbeat vanished
 * before its TTL and writes its leases again, so a peer never takes its live answers for orphans.
 * Leases renewed under a long answer, and a drain that hands over only while a peer lives.
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedisPrefix, testRedisUrl } from '../../../../test/services'
import { keys } from '../core/kv/keys'
import { createKvLocks } from '../core/kv/locks'
import { openRedisKv, type RedisKv } from '../backends/redis/kv'
import { createRunning, type AbortReason } from './running'

describe('running leases (redis)', () => {
  let kv: RedisKv
  beforeAll(async () => {
    kv = await openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
  })
  afterAll(() => kv?.close())

  it('should write its leases again when Redis lost them, so a peer still sees the answer as remote', async () => {
    const log = pino({ level: 'silent' })
    const owner = createRunning({ kv, locks: createKvLocks(kv), log, heartbeatMs: 100, maxAnswerMs: 60_000 })
    const peer = createRunning({ kv, locks: createKvLocks(kv), log, heartbeatMs: 100, maxAnswerMs: 60_000 })
    await owner.start()
    try {
      await owner.hold('m1')
      expect(await peer.ownerOf('m1')).toBe('remote')
      await kv.del(keys.lease('m1'), keys.instance(owner.instanceId)) // what an empty restart does to them
      expect(await peer.ownerOf('m1')).toBe('orphan')
      await expect.poll(() => peer.ownerOf('m1'), { timeout: 5_000, interval: 20 }).toBe('remote')
    } finally {
      await owner.release('m1')
      await owner.stop()
    }
  })

  it('should renew a lease before it expires while its answer still runs', async () => {
    const log = pino({ level: 'silent' })
    // An answer may outlast MAX_ANSWER_MS (a slow stream): its lease must not lapse under it.
    const owner = createRunning({ kv, locks: createKvLocks(kv), log, heartbeatMs: 50, maxAnswerMs: 1_000 })
    await owner.start()
    try {
      await owner.hold('m-long')
      // A renewal shows as a time to live that went up since the last look.
      let last = await kv.pttl(keys.lease('m-long'))
      const renewed = async () => {
        const ttl = await kv.pttl(keys.lease('m-long'))
        const up = ttl > last
        last = ttl
        return up
      }
      await expect.poll(renewed, { timeout: 5_000, interval: 20 }).toBe(true)
      await expect.poll(renewed, { timeout: 5_000, interval: 20 }).toBe(true) // and again
      expect(last).toBeGreaterThan(0)
    } finally {
      await owner.release('m-long')
      await owner.stop()
    }
  })

  it('should hand answers over when a peer lives and cut them when none does', async () => {
    const log = pino({ level: 'silent' })
    const scoped = await openRedisKv({ url: testRedisUrl(), prefix: createTestRedisPrefix() })
    const peer = createRunning({
      kv: scoped,
      locks: createKvLocks(scoped),
      log,
      heartbeatMs: 100,
      maxAnswerMs: 60_000,
    })
    /** A fresh instance with one open answer, drained: how was the answer told to stop? */
    const drainOne = async () => {
      const owner = createRunning({
        kv: scoped,
        locks: createKvLocks(scoped),
        log,
        heartbeatMs: 100,
        maxAnswerMs: 60_000,
      })
      await owner.start()
      const reasons: AbortReason[] = []
      await owner.claim('m-drain', (reason) => {
        reasons.push(reason)
        void owner.release('m-drain')
      })
      await owner.drain({ graceMs: 50, handoverMs: 10 })
      await owner.stop()
      return reasons
    }
    try {
      await peer.start()
      expect(await drainOne()).toEqual(['handover'])
      await peer.stop()
      expect(await drainOne()).toEqual(['shutdown'])
    } finally {
      await scoped.close()
    }
  })
})
