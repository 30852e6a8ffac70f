/**
 * Server-sent events on a raw Node response (SPEC §2.2): exact framing, `: ping` while idle, no
 * buffering by proxies, and writes that become no-ops once the client has gone (the answer goes on).
 */
import type { ServerResponse } from 'node:http'
import { joinHeartbeat } from './heartbeat'

export interface SseOptions {
  heartbeatMs: number
  /** Reconnect delay suggested to EventSource-style clients. */
  retryMs?: number
  /** Extra headers (CORS, request id) already decided for this response. */
  headers?: Record<string, string | number | string[]>
}

export interface SseWriter {
  /** One event; `json` is `data` already serialised, when the caller has it (saves a second stringify). */
  send(id: string, event: string, data: unknown, json?: string): void
  comment(text: string): void
  end(): void
  /** True once the client went away or `end()` was called. */
  readonly closed: boolean
}

const LINE_BREAK = /[\r\n]/

/**
 * Formats one event; throws if `id`/`event` could break the framing (they are ours, never user data).
 * `JSON.stringify` escapes every CR and LF inside strings, so the data is always one `data:` line.
 */
export function formatEvent(id: string, event: string, data: unknown, json?: string): string {
  if (LINE_BREAK.test(id) || LINE_BREAK.test(event)) throw new Error('SSE id/event must not contain CR or LF')
  return `id: ${id}\nevent: ${event}\ndata: ${json ?? JSON.stringify(data) ?? 'null'}\n\n`
}

export function openSse(res: ServerResponse, opts: SseOptions): SseWriter {
  res.writeHead(200, {
    ...opts.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  })
  res.socket?.setNoDelay(true)
  // Headers, the opening line and whatever the caller sends in this same tick (the `meta` event)
  // leave in one write instead of three.
  res.cork()
  process.nextTick(() => res.uncork())
  let closed = false
  let wrote = true // since the last heartbeat tick
  const write = (chunk: string) => {
    if (closed || res.destroyed) return
    wrote = true
    res.write(chunk)
  }
  const leave = joinHeartbeat(opts.heartbeatMs, () => {
    if (!wrote) write(': ping\n\n')
    wrote = false
  })
  const stop = () => {
    closed = true
    leave()
  }
  res.on('close', stop)
  write(opts.retryMs ? `retry: ${opts.retryMs}\n\n` : ': open\n\n')
  return {
    send: (id, event, data, json) => write(formatEvent(id, event, data, json)),
    comment: (text) => write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`),
    end() {
      if (!closed && !res.destroyed) res.end()
      stop()
    },
    get closed() {
      return closed || res.destroyed
    },
  }
}
