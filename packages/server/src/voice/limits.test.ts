import { describe, expect, it } from 'vitest'
import { isVcError } from '../core/errors'
import { createMemoryKv } from '../backends/memory/kv'
import { createVoiceLimits } from './limits'

function setup(o: { maxConnections?: number; secondsPerDay?: number } = {}) {
  const clock = { t: Date.UTC(2026, 0, 1, 12) }
  const now = () => clock.t
  const kv = createMemoryKv({ now })
  const sut = createVoiceLimits({
    kv,
    maxConnections: o.maxConnections ?? 2,
    secondsPerDay: o.secondsPerDay ?? 10,
    slotTtlMs: 60_000,
    now,
  })
  return { clock, kv, sut }
}

const limitOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isVcError(err)) throw new Error('expected a VcError')
  expect(err).toMatchObject({ code: 'RATE_LIMITED', status: 429 })
  return { limit: err.extra?.limit, retryAfter: Number(err.headers?.['retry-after']) }
}

describe('createVoiceLimits', () => {
  describe('acquireConnection', () => {
    it('should allow the cap, refuse one more, and allow again after a release', async () => {
      const { sut } = setup()
      const a = await sut.acquireConnection('u1')
      await sut.acquireConnection('u1')
      expect(await limitOf(sut.acquireConnection('u1'))).toEqual({
        limit: 'voice-connections',
        retryAfter: 5,
      })
      await sut.acquireConnection('u2') // per user
      await a()
      await a() // idempotent
      expect(await sut.openConnections('u1')).toBe(1)
      await sut.acquireConnection('u1')
    })

    it("should let a crashed instance's slots expire by themselves", async () => {
      const { sut, clock } = setup({ maxConnections: 1 })
      await sut.acquireConnection('u1')
      await limitOf(sut.acquireConnection('u1'))
      clock.t += 60_001
      await expect(sut.acquireConnection('u1')).resolves.toBeTypeOf('function')
    })

    it('should not cap when the cap is 0', async () => {
      const { sut } = setup({ maxConnections: 0 })
      for (let i = 0; i < 5; i++) await sut.acquireConnection('u1')
    })
  })

  describe('meter and checkBudget', () => {
    it('should count whole seconds as they complete and round the rest up on flush', async () => {
      const { sut } = setup()
      const m = sut.meter('u1')
      expect(await m.add(0.4)).toBe(true)
      expect(await sut.secondsUsed('u1')).toBe(0)
      await m.add(0.7)
      expect(await sut.secondsUsed('u1')).toBe(1)
      await m.flush()
      expect(await sut.secondsUsed('u1')).toBe(2)
    })

    it('should say false past the budget, and refuse until the next UTC day', async () => {
      const { sut, clock } = setup({ secondsPerDay: 3 })
      const m = sut.meter('u1')
      expect(await m.add(3)).toBe(true)
      await sut.checkBudget('u2')
      expect(await limitOf(sut.checkBudget('u1'))).toEqual({ limit: 'voice-seconds', retryAfter: 12 * 3600 })
      expect(await m.add(1)).toBe(false)
      clock.t += 12 * 3600_000
      await sut.checkBudget('u1')
    })

    it('should not budget when the budget is 0', async () => {
      const { sut } = setup({ secondsPerDay: 0 })
      expect(await sut.meter('u1').add(100_000)).toBe(true)
      await sut.checkBudget('u1')
    })
  })
})
