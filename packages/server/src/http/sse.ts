/**
 * Server-sent events on a raw Node response (SPEC §2.2): exact framing, `: ping` while idle, no
 * buffering by proxies, and writes that become no-ops once the client has gone (the answer goes on).
 */
import type { ServerResponse } from 'node:http'

export interface SseOptions {
  heartbeatMs: number
  /** Reconnect delay suggested to EventSource-style clients. */
  retryMs?: number
  /** Extra headers (CORS, request id) already decided for this response. */
  headers?: Record<string, string | number | string[]>
}

export interface SseWriter {
  /** One event; `data` is serialised as one `data:` line per line of its JSON. */
  send(id: string, event: string, data: unknown): void
  comment(text: string): void
  end(): void
  /** True once the client went away or `end()` was called. */
  readonly closed: boolean
}

/** Formats one event; throws if `id`/`event` could break the framing (they are ours, never user data). */
export function formatEvent(id: string, event: string, data: unknown): string {
  if (/[\r\n]/.test(id) || /[\r\n]/.test(event)) throw new Error('SSE id/event must not contain CR or LF')
  const lines = JSON.stringify(data).split(/\r\n|\r|\n/)
  return `id: ${id}\nevent: ${event}\n${lines.map((l) => `data: ${l}`).join('\n')}\n\n`
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
  let closed = false
  let lastWrite = Date.now()
  const write = (chunk: string) => {
    if (closed || res.destroyed) return
    lastWrite = Date.now()
    res.write(chunk)
  }
  const timer = setInterval(() => {
    if (Date.now() - lastWrite >= opts.heartbeatMs - 5) write(': ping\n\n')
  }, opts.heartbeatMs)
  timer.unref()
  const stop = () => {
    closed = true
    clearInterval(timer)
  }
  res.on('close', stop)
  write(opts.retryMs ? `retry: ${opts.retryMs}\n\n` : ': open\n\n')
  return {
    send: (id, event, data) => write(formatEvent(id, event, data)),
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
