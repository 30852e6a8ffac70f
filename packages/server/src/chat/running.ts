/**
 * The answers this instance is producing (issues 5, 19). Each holds a lease naming this instance; the
 * instance proves it is alive with one heartbeat key (one write per tick, however many streams), so
 * another instance can tell an orphaned answer (owner dead) from a live one. Cancels for answers
 * running elsewhere arrive through the owner's inbox, read on the same tick.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { keys } from '../core/kv/keys'
import type { Locks } from '../core/kv/locks'
import type { Kv } from '../core/kv/types'

/**
 * Why an answer must stop: the user cancelled; the instance shuts down with no peer (cut it); the
 * instance shuts down and a live peer will finish it from Coze (stop relaying, archive nothing).
 */
export type AbortReason = 'cancel' | 'shutdown' | 'handover'

export interface RunningOptions {
  kv: Kv
  /** The answers' leases: a lock per message naming this instance. */
  locks: Locks
  log: Logger
  heartbeatMs: number
  /** Longest an answer may run: the lease outlives it so an orphan is told by the heartbeat alone. */
  maxAnswerMs: number
  instanceId?: string
}

export interface DrainOptions {
  /** How long open answers may finish when no peer is alive; the rest are cut. */
  graceMs: number
  /** How long open answers may finish when a peer is alive; the rest are handed over. */
  handoverMs: number
}

const leaseKey = keys.lease
const instanceKey = keys.instance
const inboxKey = keys.cancelInbox

export function createRunning(o: RunningOptions) {
  const instanceId = o.instanceId ?? randomUUID()
  const local = new Map<string, (reason: AbortReason) => void>()
  const idle = new Set<() => void>()
  /** Leases written and not yet released, with when each was last written. */
  const leases = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined
  let draining: AbortReason | undefined

  let lastBeat = 0

  const writeLease = (messageId: string) => {
    leases.set(messageId, Date.now())
    return o.locks.renew(leaseKey(messageId), instanceId, o.maxAnswerMs)
  }

  async function tick() {
    // One read and one write per tick however many answers run. A heartbeat that vanished before its
    // TTL means Redis lost its data (an empty restart): the leases went with it and are written again,
    // or a peer would take this instance's live answers for orphans.
    const lost =
      leases.size > 0 &&
      Date.now() - lastBeat < o.heartbeatMs * 2 &&
      !(await o.kv.get(instanceKey(instanceId)))
    await o.kv.set(instanceKey(instanceId), String(Date.now()), { ttlMs: o.heartbeatMs * 3 })
    lastBeat = Date.now()
    if (lost) o.log.warn({ leases: leases.size }, "Redis lost this instance's keys: writing its leases again")
    // A lease is renewed half way through its TTL, so it never expires under an answer still running
    // (a slow stream can outlast MAX_ANSWER_MS): one write per answer per half TTL.
    const due = [...leases].filter(([, at]) => lost || Date.now() - at > o.maxAnswerMs / 2)
    await Promise.all(due.map(([id]) => writeLease(id)))
    const cancels = await o.kv.smembers(inboxKey(instanceId))
    if (cancels.length) {
      await o.kv.srem(inboxKey(instanceId), ...cancels)
      for (const id of cancels) local.get(id)?.('cancel')
    }
  }

  const busy = () => local.size > 0 || leases.size > 0
  const settle = () => {
    if (busy()) return
    for (const f of idle) f()
    idle.clear()
  }
  const allDone = () => new Promise<void>((r) => (busy() ? idle.add(r) : r()))

  async function isAlive(id: string): Promise<boolean> {
    return (await o.kv.get(instanceKey(id))) !== null
  }

  /** Whether another instance is alive to take answers over (dead members are forgotten on the way). */
  async function hasPeer(): Promise<boolean> {
    const members = (await o.kv.smembers(keys.instances())).filter((id) => id !== instanceId)
    for (const id of members) {
      if (await isAlive(id)) return true
      await o.kv.srem(keys.instances(), id)
    }
    return false
  }

  return {
    instanceId,
    get size() {
      return local.size
    },
    isAlive,
    hasPeer,

    async start() {
      await tick()
      await o.kv.sadd(keys.instances(), instanceId)
      timer = setInterval(
        () => void tick().catch((err: unknown) => o.log.warn({ err }, 'heartbeat failed')),
        o.heartbeatMs,
      )
      timer.unref()
    },

    /** Claims an answer for this instance; `abort` is how a cancel or a shutdown reaches it. */
    async claim(messageId: string, abort: (reason: AbortReason) => void) {
      local.set(messageId, abort)
      // Set up while the drain was already deciding: it goes the way the others went.
      if (draining) queueMicrotask(() => abort(draining!))
      if (leases.has(messageId)) return // the lease is already ours: no second write
      await writeLease(messageId)
    },

    /** Marks an answer as this instance's before it has an abort hook (a send still being set up). */
    async hold(messageId: string) {
      leases.set(messageId, Date.now()) // before the write: ownerOf() on this instance must already say 'local'
      await writeLease(messageId)
    },

    /**
     * Gives up the lease of an answer this instance stops relaying (a drain's hand-over): a peer may
     * recover it from now on. The answer still counts as running here until `release`.
     */
    async letGo(messageId: string) {
      await o.locks.release(leaseKey(messageId), instanceId)
    },

    async release(messageId: string) {
      const had = leases.delete(messageId)
      local.delete(messageId)
      settle()
      if (had) await o.locks.release(leaseKey(messageId), instanceId)
    },

    /** Whose answer is it: this instance's, a live peer's, or nobody's (its owner died). */
    async ownerOf(messageId: string): Promise<'local' | 'remote' | 'orphan'> {
      if (local.has(messageId) || leases.has(messageId)) return 'local'
      const owner = await o.locks.holder(leaseKey(messageId))
      if (owner && owner !== instanceId && (await isAlive(owner))) return 'remote'
      return 'orphan'
    },

    /** Delivers a cancel to the owner; false when nobody runs the answer any more. */
    async requestCancel(messageId: string): Promise<boolean> {
      const abort = local.get(messageId)
      if (abort) {
        abort('cancel')
        return true
      }
      const owner = await o.locks.holder(leaseKey(messageId))
      if (!owner || !(await isAlive(owner))) return false
      await o.kv.sadd(inboxKey(owner), messageId, o.maxAnswerMs)
      return true
    },

    /**
     * Graceful shutdown (SPEC §6, issue 19): open answers may finish for a short while; the rest are
     * handed over when a peer is alive (each stops relaying, keeps its log and releases its lease, and
     * the peer finishes it from Coze), or cut ('shutdown') when none is. Resolves once every answer
     * has let go.
     */
    async drain(d: DrainOptions) {
      const peer = () =>
        hasPeer().catch((err: unknown) => {
          o.log.warn({ err }, 'could not look for a live peer: cutting open answers')
          return false
        })
      const wait = (await peer()) ? Math.min(d.handoverMs, d.graceMs) : d.graceMs
      let timeout: NodeJS.Timeout | undefined
      const over = new Promise<'timeout'>((r) => (timeout = setTimeout(() => r('timeout'), wait)))
      const first = await Promise.race([allDone(), over])
      clearTimeout(timeout)
      if (first !== 'timeout') return
      draining = (await peer()) ? 'handover' : 'shutdown'
      o.log.info({ answers: local.size, how: draining }, 'draining: open answers stop here')
      for (const abort of local.values()) abort(draining)
      await allDone()
    },

    async stop() {
      clearInterval(timer)
      await o.kv.srem(keys.instances(), instanceId)
      await o.kv.del(instanceKey(instanceId))
    },
  }
}

export type Running = ReturnType<typeof createRunning>
