/**
 * Voice limits (issue 7), shared by all instances through the Kv: open voice connections per user, and
 * audio seconds per user per UTC day. Over either: `429 RATE_LIMITED` with `error.limit` naming it and
 * `Retry-After`, the same envelope as the other rate limits (SPEC §2.6).
 */
import { randomUUID } from 'node:crypto'
import { VcError } from '../core/errors'
import { keys } from '../core/kv/keys'
import type { Kv } from '../core/kv/types'

export type VoiceLimitName = 'voice-connections' | 'voice-seconds'

export interface VoiceLimitsDeps {
  kv: Kv
  /** 0 = no cap. */
  maxConnections: number
  /** 0 = no budget. */
  secondsPerDay: number
  /** A slot outlives the longest possible connection, so a crashed instance's slots expire by themselves. */
  slotTtlMs: number
  now?: () => number
}

const DAY_MS = 86_400_000
const connKey = keys.voiceConnections
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10)
const secondsKey = (userId: string, t: number) => keys.voiceSeconds(userId, dayOf(t))

export function limitError(limit: VoiceLimitName, cap: number, retryAfterMs: number, message: string) {
  const retry = String(Math.max(1, Math.ceil(retryAfterMs / 1000)))
  return new VcError(
    'VC_ERR_RATE_LIMITED',
    message,
    { limit },
    {
      'retry-after': retry,
      'ratelimit-limit': String(cap),
      'ratelimit-remaining': '0',
      'ratelimit-reset': retry,
    },
  )
}

export function createVoiceLimits(d: VoiceLimitsDeps) {
  const now = d.now ?? Date.now
  const untilMidnight = () => DAY_MS - (now() % DAY_MS)

  /** Slot members are `<id>|<expiry ms>`: a set has one TTL, so each member carries its own. */
  async function liveSlots(userId: string): Promise<string[]> {
    const members = await d.kv.smembers(connKey(userId))
    const t = now()
    const stale = members.filter((m) => Number(m.split('|')[1]) <= t)
    if (stale.length) await d.kv.srem(connKey(userId), ...stale)
    return members.filter((m) => !stale.includes(m))
  }

  const busy = () =>
    limitError(
      'voice-connections',
      d.maxConnections,
      5_000, // a connection may end any moment
      `At most ${d.maxConnections} voice connections may be open at once`,
    )

  /** Takes a connection slot; returns its release, or throws 429 at the cap. */
  async function acquireConnection(userId: string): Promise<() => Promise<void>> {
    if (d.maxConnections <= 0) return async () => undefined
    if ((await liveSlots(userId)).length >= d.maxConnections) throw busy()
    const slot = `${randomUUID()}|${now() + d.slotTtlMs}`
    await d.kv.sadd(connKey(userId), slot, d.slotTtlMs)
    // Two racing acquires may both get here: both see the other and both step back (fail closed).
    if ((await liveSlots(userId)).length > d.maxConnections) {
      await d.kv.srem(connKey(userId), slot)
      throw busy()
    }
    let released = false
    return async () => {
      if (released) return
      released = true
      await d.kv.srem(connKey(userId), slot)
    }
  }

  async function secondsUsed(userId: string): Promise<number> {
    return Number((await d.kv.get(secondsKey(userId, now()))) ?? 0)
  }

  const spent = () =>
    limitError(
      'voice-seconds',
      d.secondsPerDay,
      untilMidnight(),
      `Today's ${d.secondsPerDay} s of voice audio are used up`,
    )

  /** Throws 429 when today's audio seconds are used up. */
  async function checkBudget(userId: string): Promise<void> {
    if (d.secondsPerDay > 0 && (await secondsUsed(userId)) >= d.secondsPerDay) throw spent()
  }

  /**
   * Counts a stream of audio against the day's budget. `Kv` only increments by one, so whole seconds are
   * counted as they complete; the fraction left at the end is rounded up by `flush()`.
   * `add` resolves false once the budget is used up.
   */
  function meter(userId: string) {
    if (d.secondsPerDay <= 0) return { add: async (_seconds: number) => true, flush: async () => undefined }
    let pending = 0
    let chain = Promise.resolve(true)
    const charge = (whole: number) => {
      const next = chain.then(async () => {
        let total = 0
        // Past the budget the day is decided: counting on would only cost round trips.
        for (let i = 0; i < whole && total <= d.secondsPerDay; i++) {
          total = await d.kv.incr(secondsKey(userId, now()), 2 * DAY_MS)
        }
        return whole === 0 || total <= d.secondsPerDay
      })
      chain = next.catch(() => true) // one failed write must not fail every later one
      return next
    }
    return {
      add(seconds: number): Promise<boolean> {
        pending += seconds
        const whole = Math.floor(pending)
        pending -= whole
        return whole > 0 ? charge(whole) : chain
      },
      flush: () => charge(pending > 0 ? 1 : 0).then(() => ((pending = 0), undefined)),
    }
  }

  return {
    busy,
    acquireConnection,
    openConnections: async (userId: string) => (await liveSlots(userId)).length,
    secondsUsed,
    checkBudget,
    meter,
    spent,
  }
}

export type VoiceLimits = ReturnType<typeof createVoiceLimits>
