/**
 * The `Kv` contract (STYLE §2): `memory/kv.test.ts`, `redis/kv.int.test.ts`, `redis/kv-cluster.int.test.ts`
 * and `redis/kv-sentinel.int.test.ts` call `runKvContract`; vitest never runs this file alone. `open` must
 * give a new, empty instance (own prefix) each time it is called.
 * Expiry is checked by polling with a generous deadline, never by timing a single step.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Kv } from '../../core/kv/types'

const LONG = 60_000
const SHORT = 50
const TRICKY = '火山引擎 𠮷 👩🏽‍💻🇨🇳 "q"\n'
const untilGone = (kv: Kv, key: string) =>
  vi.waitFor(async () => expect(await kv.pttl(key)).toBe(-2), { timeout: 5_000, interval: 10 })

/** Runs the whole contract against one adapter. */
export function runKvContract(name: string, open: () => Promise<Kv>): void {
  describe(`Kv contract (${name})`, () => {
    let sut: Kv
    let n = 0
    // Every test works on its own keys, so one instance serves the whole suite.
    const k = (label: string) => `${label}:${++n}`

    beforeAll(async () => {
      sut = await open()
    })
    afterAll(() => sut.close())

    describe('get and set', () => {
      it('should return null for a missing key and the stored value otherwise', async () => {
        const key = k('v')
        expect(await sut.get(key)).toBeNull()
        expect(await sut.set(key, TRICKY)).toBe(true)
        expect(await sut.get(key)).toBe(TRICKY)
        await sut.set(key, 'second')
        expect(await sut.get(key)).toBe('second')
      })

      it('should drop an earlier expiry when set again without ttlMs', async () => {
        const key = k('v')
        await sut.set(key, 'a', { ttlMs: LONG })
        await sut.set(key, 'b')
        expect(await sut.pttl(key)).toBe(-1)
      })

      it('should reject a ttlMs that is not a positive integer', async () => {
        for (const ttlMs of [0, -5, 1.5, Number.NaN]) {
          await expect(sut.set(k('v'), 'x', { ttlMs })).rejects.toThrow(RangeError)
        }
      })
    })

    describe('set with nx', () => {
      it('should write only when the key is absent', async () => {
        const key = k('nx')
        expect(await sut.set(key, 'first', { nx: true, ttlMs: LONG })).toBe(true)
        expect(await sut.set(key, 'second', { nx: true })).toBe(false)
        expect(await sut.get(key)).toBe('first')
        expect(await sut.pttl(key)).toBeGreaterThan(0)
      })

      it('should write again once the earlier value expired', async () => {
        const key = k('nx')
        await sut.set(key, 'first', { nx: true, ttlMs: SHORT })
        await untilGone(sut, key)
        expect(await sut.get(key)).toBeNull()
        expect(await sut.set(key, 'second', { nx: true })).toBe(true)
        expect(await sut.get(key)).toBe('second')
      })
    })

    describe('del', () => {
      it('should delete the given keys and count those that existed', async () => {
        const [a, b, set] = [k('d'), k('d'), k('d')]
        await sut.set(a, '1')
        await sut.set(b, '2')
        await sut.sadd(set, 'm')
        expect(await sut.del(a, b, set, k('missing'))).toBe(3)
        expect(await sut.get(a)).toBeNull()
        expect(await sut.del()).toBe(0)
      })
    })

    describe('delIfEquals', () => {
      it('should delete only while the key holds the value', async () => {
        const key = k('lock')
        await sut.set(key, 'owner-1')
        expect(await sut.delIfEquals(key, 'owner-2')).toBe(false)
        expect(await sut.get(key)).toBe('owner-1')
        expect(await sut.delIfEquals(key, 'owner-1')).toBe(true)
        expect(await sut.get(key)).toBeNull()
        expect(await sut.delIfEquals(key, 'owner-1')).toBe(false)
      })
    })

    describe('pttl', () => {
      it('should give -2 when missing, -1 without expiry, the remaining ms otherwise', async () => {
        const [plain, timed] = [k('t'), k('t')]
        expect(await sut.pttl(plain)).toBe(-2)
        await sut.set(plain, 'x')
        expect(await sut.pttl(plain)).toBe(-1)
        await sut.set(timed, 'x', { ttlMs: LONG })
        const left = await sut.pttl(timed)
        expect(left).toBeGreaterThan(0)
        expect(left).toBeLessThanOrEqual(LONG)
      })

      it('should forget a key after its ttl', async () => {
        const key = k('t')
        await sut.set(key, 'x', { ttlMs: SHORT })
        await untilGone(sut, key)
        expect(await sut.get(key)).toBeNull()
      })
    })

    describe('sets', () => {
      it('should add, list and remove members, counting removals', async () => {
        const key = k('s')
        expect(await sut.smembers(key)).toEqual([])
        for (const m of ['a', TRICKY, 'a']) await sut.sadd(key, m)
        expect((await sut.smembers(key)).sort()).toEqual(['a', TRICKY].sort())
        expect(await sut.srem(key, 'a', 'zzz')).toBe(1)
        expect(await sut.srem(key)).toBe(0)
        expect(await sut.srem(k('missing'), 'a')).toBe(0)
      })

      it('should stop existing once its last member is removed', async () => {
        const key = k('s')
        await sut.sadd(key, 'a', LONG)
        await sut.srem(key, 'a')
        expect(await sut.pttl(key)).toBe(-2)
      })

      it('should reset the expiry when given ttlMs and keep it otherwise', async () => {
        const key = k('s')
        await sut.sadd(key, 'a', LONG)
        await sut.sadd(key, 'b', 2 * LONG)
        expect(await sut.pttl(key)).toBeGreaterThan(LONG)
        await sut.sadd(key, 'c')
        expect(await sut.pttl(key)).toBeGreaterThan(LONG)
      })

      it('should expire as a whole', async () => {
        const key = k('s')
        await sut.sadd(key, 'a', SHORT)
        await untilGone(sut, key)
        expect(await sut.smembers(key)).toEqual([])
      })
    })

    describe('sorted sets scored by expiry', () => {
      it('should add members, prune expired ones and live as long as the latest member', async () => {
        const key = k('z')
        const now = Date.now()
        expect(await sut.zaddExpiring(key, 'a', now + LONG, now)).toBe(1)
        expect(await sut.zaddExpiring(key, TRICKY, now + 2 * LONG, now)).toBe(2)
        expect(await sut.zaddExpiring(key, 'a', now + LONG / 2, now)).toBe(2) // a member moves, no copy
        const left = await sut.pttl(key)
        expect(left).toBeGreaterThan(LONG)
        expect(left).toBeLessThanOrEqual(2 * LONG)
        // A later write on a later clock drops what has expired by then.
        expect(await sut.zaddExpiring(key, 'b', now + 3 * LONG, now + LONG)).toBe(2)
        expect(await sut.zrangeByScore(key, -Infinity, Infinity)).toEqual([TRICKY, 'b'])
      })

      it('should not keep a member that has already expired, nor an empty set', async () => {
        const key = k('z')
        const now = Date.now()
        expect(await sut.zaddExpiring(key, 'old', now - 1, now)).toBe(0)
        expect(await sut.pttl(key)).toBe(-2)
      })

      it('should list by score, bounds included, lowest first', async () => {
        const key = k('z')
        const now = Date.now()
        for (const [m, at] of [
          ['c', 3],
          ['a', 1],
          ['b', 2],
        ] as const)
          await sut.zaddExpiring(key, m, now + at * LONG, now)
        expect(await sut.zrangeByScore(key, now + 2 * LONG, Infinity)).toEqual(['b', 'c'])
        expect(await sut.zrangeByScore(key, -Infinity, now + 2 * LONG)).toEqual(['a', 'b'])
        expect(await sut.zrangeByScore(k('missing'), -Infinity, Infinity)).toEqual([])
      })

      it('should remove members, counting them, and stop existing once empty', async () => {
        const key = k('z')
        const now = Date.now()
        await sut.zaddExpiring(key, 'a', now + LONG, now)
        await sut.zaddExpiring(key, 'b', now + LONG, now)
        expect(await sut.zrem(key, 'a', 'zzz')).toBe(1)
        expect(await sut.zrem(key)).toBe(0)
        expect(await sut.zrem(key, 'b')).toBe(1)
        expect(await sut.pttl(key)).toBe(-2)
        expect(await sut.zrem(k('missing'), 'a')).toBe(0)
      })

      it('should expire as a whole with its latest member', async () => {
        const key = k('z')
        const now = Date.now()
        await sut.zaddExpiring(key, 'a', now + SHORT, now)
        await untilGone(sut, key)
        expect(await sut.zrangeByScore(key, -Infinity, Infinity)).toEqual([])
      })
    })

    describe('incr', () => {
      it('should count from 1 and keep no expiry without ttlMs', async () => {
        const key = k('i')
        expect(await sut.incr(key)).toBe(1)
        expect(await sut.incr(key)).toBe(2)
        expect(await sut.pttl(key)).toBe(-1)
        expect(await sut.get(key)).toBe('2')
      })

      it('should apply ttlMs only when this call creates the key', async () => {
        const key = k('i')
        expect(await sut.incr(key, LONG)).toBe(1)
        expect(await sut.incr(key, 2 * LONG)).toBe(2)
        const left = await sut.pttl(key)
        expect(left).toBeGreaterThan(0)
        expect(left).toBeLessThanOrEqual(LONG)
      })

      it('should start again from 1 after the counter expired', async () => {
        const key = k('i')
        await sut.incr(key, SHORT)
        await untilGone(sut, key)
        expect(await sut.incr(key, LONG)).toBe(1)
      })
    })

    describe('wrong types', () => {
      it('should reject string commands on a set and the other way round', async () => {
        const [set, str] = [k('w'), k('w')]
        await sut.sadd(set, 'a')
        await sut.set(str, 'not a number')
        await expect(sut.get(set)).rejects.toThrow(/WRONGTYPE/)
        await expect(sut.incr(set)).rejects.toThrow(/WRONGTYPE/)
        await expect(sut.sadd(str, 'a')).rejects.toThrow(/WRONGTYPE/)
        await expect(sut.incr(str)).rejects.toThrow(/not an integer/)
        const zset = k('w')
        await sut.zaddExpiring(zset, 'a', Date.now() + LONG, Date.now())
        await expect(sut.sadd(zset, 'b')).rejects.toThrow(/WRONGTYPE/)
        await expect(sut.zaddExpiring(set, 'b', Date.now() + LONG, Date.now())).rejects.toThrow(/WRONGTYPE/)
        await expect(sut.zrangeByScore(str, 0, Infinity)).rejects.toThrow(/WRONGTYPE/)
        expect(await sut.get(str)).toBe('not a number')
      })
    })

    describe('prefix isolation', () => {
      it("should never show one instance's keys to another", async () => {
        const other = await open()
        try {
          const key = k('shared-name')
          await sut.set(key, 'mine')
          expect(await other.get(key)).toBeNull()
          await other.set(key, 'theirs')
          await other.del(key)
          expect(await sut.get(key)).toBe('mine')
        } finally {
          await other.close()
        }
      })
    })

    describe('ping and close', () => {
      it('should answer ping while open, reject commands after close, and close twice', async () => {
        const kv = await open()
        await kv.ping()
        await kv.close()
        await expect(kv.get('x')).rejects.toThrow()
        await expect(kv.ping()).rejects.toThrow()
        await kv.close()
      })
    })
  })
}
