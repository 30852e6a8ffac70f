/** In-process stream log for the embedded default: one process, so no batching is needed. */
import { EventEmitter } from 'node:events'
import { createEventQueue } from '../event-queue'
import {
  defaultStreamLogOptions,
  isTerminalEvent,
  type LoggedEvent,
  type StreamLog,
  type StreamLogOptions,
} from '../../core/streams/types'

interface Entry {
  events: LoggedEvent[]
  timer?: NodeJS.Timeout
}

export function createMemoryStreamLog(options: Partial<StreamLogOptions> = {}): StreamLog {
  const o = { ...defaultStreamLogOptions, ...options }
  const logs = new Map<string, Entry>()
  const live = new EventEmitter().setMaxListeners(0)

  const expireIn = (messageId: string, entry: Entry, ms: number) => {
    clearTimeout(entry.timer)
    entry.timer = setTimeout(() => logs.delete(messageId), ms).unref()
  }

  return {
    kind: 'memory',
    append(messageId, e) {
      let entry = logs.get(messageId)
      if (!entry) {
        entry = { events: [] }
        logs.set(messageId, entry)
        expireIn(messageId, entry, o.openTtlMs)
      }
      entry.events.push(e)
      if (entry.events.length > o.maxEvents) entry.events.shift()
      if (isTerminalEvent(e)) expireIn(messageId, entry, o.retentionMs)
      live.emit(messageId, e)
    },
    flush: async () => undefined,
    read: async (messageId) => [...(logs.get(messageId)?.events ?? [])],
    has: async (messageId) => logs.has(messageId),
    async *follow(messageId, afterSeq, signal) {
      const q = createEventQueue(afterSeq, signal)
      live.on(messageId, q.push)
      try {
        for (const e of logs.get(messageId)?.events ?? []) q.push(e)
        yield* q.drain()
      } finally {
        live.off(messageId, q.push)
      }
    },
    async close() {
      for (const entry of logs.values()) clearTimeout(entry.timer)
      logs.clear()
      live.removeAllListeners()
    },
  }
}
