/**
 * Stream log on Redis Streams, shared by all instances. Appends are batched: one pipeline per flush
 * window carries every XADD, the expiries and a single PUBLISH naming the messages that grew, so a busy
 * instance pays one round trip per window, not per token. Followers read with XRANGE and are woken by
 * that PUBLISH (heard on the instance's one `Bus` connection) — no blocking reads, no connection per
 * follower.
 * On a Redis Cluster a window's messages are grouped by slot (`stream:{m:<id>}`), one script call per
 * group; a plain PUBLISH reaches the subscribers on every node.
 */
import type { Bus } from '../../core/kv/bus'
import { channels, keys } from '../../core/kv/keys'
import type { RedisKv } from './kv'
import { createEventQueue } from '../event-queue'
import {
  defaultStreamLogOptions,
  isTerminalEvent,
  type LoggedEvent,
  type StreamLog,
  type StreamLogOptions,
} from '../../core/streams/types'

type Follower = (messageId: string) => void
/** One message's queued appends, as the script takes them: [ended (0/1), seq, event, data JSON, …]. */
type Queued = (string | number)[]

/**
 * One window's appends in one command, its events in one argument: ioredis builds a RESP string per
 * argument, and three per event cost the client ≈ 1 KB of garbage and a few µs per relayed event.
 * KEYS: one stream per message, all in one cluster slot. ARGV: maxEvents, openTtlMs, retentionMs,
 * channel, the message ids to publish, then a JSON array with one entry per key: [ended (0/1), seq,
 * event, data, seq, event, data…], where data is the event's own JSON text, stored as it is.
 */
const APPEND = `
local batch = cjson.decode(ARGV[6])
for k = 1, #KEYS do
  local b = batch[k]
  for i = 2, #b, 3 do
    redis.call('XADD', KEYS[k], 'MAXLEN', '~', ARGV[1], '*', 's', b[i], 'e', b[i + 1], 'd', b[i + 2])
  end
  redis.call('PEXPIRE', KEYS[k], b[1] == 1 and ARGV[3] or ARGV[2])
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return #KEYS
`

interface AppendScript {
  vcStreamAppend(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>
}

export async function openRedisStreamLog(
  kv: RedisKv,
  bus: Bus,
  options: Partial<StreamLogOptions> = {},
  onError: (err: unknown) => void = () => undefined,
): Promise<StreamLog> {
  const o = { ...defaultStreamLogOptions, ...options }
  const redis = kv.redis
  const channel = kv.key(channels.streamAppended)
  const streamKey = (messageId: string) => kv.key(keys.stream(messageId))
  const pending = new Map<string, Queued>()
  // Variable key count: ./kv.ts keeps it out of a cluster's auto-pipelining (VARIADIC_SCRIPTS).
  if (!('vcStreamAppend' in redis)) redis.defineCommand('vcStreamAppend', { lua: APPEND })
  const script = redis as unknown as AppendScript
  const followers = new Map<string, Set<Follower>>()
  let timer: NodeJS.Timeout | undefined
  let flushing: Promise<void> = Promise.resolve()

  // The script publishes on the bus' channel (the same `${prefix}:` name) from inside Redis.
  const unsubscribe = await bus.subscribe(channels.streamAppended, (ids) => {
    for (const id of ids.split(',')) followers.get(id)?.forEach((wake) => wake(id))
  })

  function writeBatch(): Promise<void> {
    timer = undefined
    if (!pending.size) return flushing
    // One script call per cluster slot (a single group on one server).
    const groups = new Map<number, { ids: string[]; keys: string[]; batch: Queued[] }>()
    for (const [messageId, queued] of pending) {
      const key = streamKey(messageId)
      const slot = kv.slotOf(key)
      let group = groups.get(slot)
      if (!group) groups.set(slot, (group = { ids: [], keys: [], batch: [] }))
      group.ids.push(messageId)
      group.keys.push(key)
      group.batch.push(queued)
    }
    pending.clear()
    const calls = [...groups.values()].map((g) => {
      const args = [
        o.maxEvents,
        o.openTtlMs,
        o.retentionMs,
        channel,
        g.ids.join(','),
        JSON.stringify(g.batch),
      ]
      return () => script.vcStreamAppend(g.keys.length, ...g.keys, ...args)
    })
    // Batches are written in order, so a follower never sees seq n+1 stored before seq n (a message's
    // events of one window are in one group). A failed window was reported to whoever awaited it; it
    // must not stop every later one.
    flushing = flushing
      .catch(() => undefined)
      .then(() => Promise.all(calls.map((call) => call())).then(() => undefined))
    return flushing
  }

  async function readAfter(messageId: string, cursor: string) {
    const start = cursor === '-' ? '-' : `(${cursor}`
    const entries = await redis.xrange(streamKey(messageId), start, '+', 'COUNT', 1000)
    return entries.map(([id, fields]) => ({ id, event: decode(fields) }))
  }

  return {
    kind: 'redis',
    append(messageId, e, json) {
      let queued = pending.get(messageId)
      if (!queued) pending.set(messageId, (queued = [0]))
      queued.push(e.seq, e.event, json ?? JSON.stringify(e.data))
      if (isTerminalEvent(e)) {
        queued[0] = 1
        void writeBatch().catch(onError)
      } else timer ??= setTimeout(() => void writeBatch().catch(onError), o.flushMs)
    },
    flush() {
      clearTimeout(timer)
      return writeBatch()
    },
    async read(messageId) {
      await writeBatch()
      const entries = await redis.xrange(streamKey(messageId), '-', '+')
      return entries.map(([, fields]) => decode(fields))
    },
    has: async (messageId) => (await redis.exists(streamKey(messageId))) === 1,

    async *follow(messageId, afterSeq, signal) {
      const q = createEventQueue(afterSeq, signal)
      let cursor = '-'
      let reading: Promise<void> | undefined
      let again = false
      // One read at a time; a wake-up during a read schedules one more, so nothing appended is missed.
      const pump = () => {
        if (reading) return void (again = true)
        reading = (async () => {
          do {
            again = false
            try {
              for (;;) {
                const page = await readAfter(messageId, cursor)
                for (const { id, event } of page) {
                  cursor = id
                  q.push(event)
                }
                if (page.length < 1000) break
              }
            } catch (err) {
              onError(err) // Redis hiccup: try again shortly rather than end the follower
              await new Promise((r) => setTimeout(r, 500))
              again = true
            }
          } while (again && !signal.aborted)
        })().finally(() => (reading = undefined))
      }
      const set = followers.get(messageId) ?? new Set<Follower>()
      followers.set(messageId, set.add(pump))
      try {
        pump()
        yield* q.drain()
      } finally {
        set.delete(pump)
        if (!set.size) followers.delete(messageId)
      }
    },

    async close() {
      clearTimeout(timer)
      await writeBatch().catch(onError)
      await unsubscribe()
    },
  }
}

function decode(fields: string[]): LoggedEvent {
  const f: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!
  return { seq: Number(f.s), event: f.e, data: JSON.parse(f.d ?? 'null') } as LoggedEvent
}
