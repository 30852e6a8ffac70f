/**
 * The answers this instance is producing (issue 5). Each holds a lease naming this instance; the
 * instance proves it is alive with one heartbeat key (one write per tick, however many streams), so
 * another instance can tell an orphaned answer (owner dead) from a live one. Cancels for answers
 * running elsewhere arrive through the owner's inbox, read on the same tick.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Kv } from '../kv/types'

export type AbortReason = 'cancel' | 'shutdown'

export interface RunningOptions {
  kv: Kv
  log: Logger
  heartbeatMs: number
  /** Longest an answer may run: the lease outlives it so an orphan is told by the heartbeat alone. */
  maxAnswerMs: number
  instanceId?: string
}

const leaseKey = (messageId: string) => `lease:${messageId}`
const instanceKey = (id: string) => `instance:${id}`
const inboxKey = (id: string) => `cancel-inbox:${id}`

export function createRunning(o: RunningOptions) {
  const instanceId = o.instanceId ?? randomUUID()
  const local = new Map<string, (reason: AbortReason) => void>()
  const idle = new Set<() => void>()
  /** Leases written by `hold()` and not yet released. */
  const held = new Set<string>()
  let timer: NodeJS.Timeout | undefined

  let lastBeat = 0

  async function tick() {
    // One read and one write per tick however many answers run. A heartbeat that vanished before its
    // TTL means Redis lost its data (an empty restart): the leases went with it and are written again,
    // or a peer would take this instance's live answers for orphans.
    const lost =
      held.size > 0 && Date.now() - lastBeat < o.heartbeatMs * 2 && !(await o.kv.get(instanceKey(instanceId)))
    await o.kv.set(instanceKey(instanceId), String(Date.now()), { ttlMs: o.heartbeatMs * 3 })
    lastBeat = Date.now()
    if (lost) {
      o.log.warn({ leases: held.size }, "Redis lost this instance's keys: writing its leases again")
      await Promise.all([...held].map((id) => o.kv.set(leaseKey(id), instanceId, { ttlMs: o.maxAnswerMs })))
    }
    const cancels = await o.kv.smembers(inboxKey(instanceId))
    if (cancels.length) {
      await o.kv.srem(inboxKey(instanceId), ...cancels)
      for (const id of cancels) local.get(id)?.('cancel')
    }
  }

  const settle = () => {
    if (local.size) return
    for (const f of idle) f()
    idle.clear()
  }

  return {
    instanceId,
    get size() {
      return local.size
    },

    async start() {
      await tick()
      timer = setInterval(
        () => void tick().catch((err: unknown) => o.log.warn({ err }, 'heartbeat failed')),
        o.heartbeatMs,
      )
      timer.unref()
    },

    /** Claims an answer for this instance; `abort` is how a cancel or a shutdown reaches it. */
    async claim(messageId: string, abort: (reason: AbortReason) => void) {
      local.set(messageId, abort)
      if (held.has(messageId)) return // the lease is already ours: no second write
      await o.kv.set(leaseKey(messageId), instanceId, { ttlMs: o.maxAnswerMs })
    },

    /** Marks an answer as this instance's before it has an abort hook (a send still being set up). */
    async hold(messageId: string) {
      held.add(messageId) // before the write: ownerOf() on this instance must already say 'local'
      await o.kv.set(leaseKey(messageId), instanceId, { ttlMs: o.maxAnswerMs })
    },

    async release(messageId: string) {
      held.delete(messageId)
      local.delete(messageId)
      settle()
      await o.kv.delIfEquals(leaseKey(messageId), instanceId)
    },

    /** Whose answer is it: this instance's, a live peer's, or nobody's (its owner died). */
    async ownerOf(messageId: string): Promise<'local' | 'remote' | 'orphan'> {
      if (local.has(messageId) || held.has(messageId)) return 'local'
      const owner = await o.kv.get(leaseKey(messageId))
      if (owner && owner !== instanceId && (await o.kv.get(instanceKey(owner)))) return 'remote'
      return 'orphan'
    },

    /** Delivers a cancel to the owner; false when nobody runs the answer any more. */
    async requestCancel(messageId: string): Promise<boolean> {
      const abort = local.get(messageId)
      if (abort) {
        abort('cancel')
        return true
      }
      const owner = await o.kv.get(leaseKey(messageId))
      if (!owner || !(await o.kv.get(instanceKey(owner)))) return false
      await o.kv.sadd(inboxKey(owner), messageId, o.maxAnswerMs)
      return true
    },

    /**
     * Graceful shutdown: wait up to `graceMs` for running answers to finish, then abort the rest
     * ('shutdown') and wait for them to be archived.
     */
    async drain(graceMs: number) {
      const allDone = () => new Promise<void>((r) => (local.size ? idle.add(r) : r()))
      let timeout: NodeJS.Timeout | undefined
      const graceOver = new Promise<'timeout'>((r) => (timeout = setTimeout(() => r('timeout'), graceMs)))
      const first = await Promise.race([allDone(), graceOver])
      clearTimeout(timeout)
      if (first === 'timeout') {
        for (const abort of local.values()) abort('shutdown')
        await allDone()
      }
    },

    async stop() {
      clearInterval(timer)
      await o.kv.del(instanceKey(instanceId))
    },
  }
}

export type Running = ReturnType<typeof createRunning>
