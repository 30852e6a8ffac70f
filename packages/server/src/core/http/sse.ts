/**
 * Server-sent events on a raw Node response (SPEC §2.2): exact framing, `: ping` while idle, no
 * buffering by proxies, and writes that become no-ops once the client has gone (the answer goes on).
 */
import type { ServerResponse } from 'node:http'
import type { Heartbeat } from './heartbeat'

export interface SseOptions {
  /** The service's beat for streams: a `: ping` each period with nothing else written. */
  heartbeat: Heartbeat
  /** Reconnect delay suggested to EventSource-style clients. */
  retryMs?: number
  /** Extra headers (CORS, request id) already decided for this response. */
  headers?: Record<string, string | number | string[]>
}

export interface SseWriter {
  /**
   * One event; `json` is `data` already serialised, when the caller has it (saves a second stringify).
   * Without `id` the event has no `id:` line: the client's last event id stays as it was.
   */
  send(id: string | undefined, event: string, data: unknown, json?: string): void
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
export function formatEvent(id: string | undefined, event: string, data: unknown, json?: string): string {
  if (LINE_BREAK.test(id ?? '') || LINE_BREAK.test(event))
    throw new Error('SSE id/event must not contain CR or LF')
  const idLine = id === undefined ? '' : `id: ${id}\n`
  return `${idLine}event: ${event}\ndata: ${json ?? JSON.stringify(data) ?? 'null'}\n\n`
}

export function openSse(res: ServerResponse, opts: SseOptions): SseWriter {
  return new SseStream(res, opts)
}

/**
 * One open stream. A class rather than closures: a held stream is one object here (plus its
 * heartbeat entry and a close listener), which counts at 10,000 held streams (issue 8).
 */
class SseStream implements SseWriter {
  private stopped = false
  private wrote = true // since the last heartbeat tick
  private readonly heartbeat: Heartbeat

  constructor(
    private readonly res: ServerResponse,
    opts: SseOptions,
  ) {
    this.heartbeat = opts.heartbeat
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
    this.heartbeat.join(this)
    res.once('close', () => this.stop())
    this.write(opts.retryMs ? `retry: ${opts.retryMs}\n\n` : ': open\n\n')
  }

  get closed() {
    return this.stopped || this.res.destroyed
  }

  send(id: string | undefined, event: string, data: unknown, json?: string) {
    this.write(formatEvent(id, event, data, json))
  }

  comment(text: string) {
    this.write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`)
  }

  end() {
    if (!this.closed) this.res.end()
    this.stop()
  }

  /** Heartbeat tick: a `: ping` when nothing else was written since the last one. */
  beat() {
    if (!this.wrote) this.write(': ping\n\n')
    this.wrote = false
  }

  private write(chunk: string) {
    if (this.closed) return
    this.wrote = true
    this.res.write(chunk)
  }

  private stop() {
    this.stopped = true
    this.heartbeat.leave(this)
  }
}
